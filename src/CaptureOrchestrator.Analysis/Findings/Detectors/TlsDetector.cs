using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Protocols;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>Counts over all TLS conversations of a capture.</summary>
public sealed class TlsStatistics
{
    public long Conversations { get; internal set; }

    public long ClientHellos { get; internal set; }

    /// <summary>Frames that completed at least one alert record (encrypted alerts included, as tshark counts them).</summary>
    public long AlertFrames { get; internal set; }

    /// <summary>Readable alerts by description name.</summary>
    public Dictionary<string, long> AlertsByDescription { get; } = [];

    public long EncryptedAlerts { get; internal set; }

    public long CertificateMessages { get; internal set; }

    public long UnreadableCertificates { get; internal set; }

    public long Tls13Handshakes { get; internal set; }
}

/// <summary>
/// TLS troubleshooting: handshake alerts by name (with SNI), and the server certificate chain
/// read from the Certificate message (TLS 1.2 and earlier): incomplete chain, self-signed,
/// expired or not yet valid at capture time, name not matching the SNI. Notes when TLS 1.3
/// hides the certificates.
/// </summary>
public sealed class TlsDetector : IDetector, IPacketObserver, IFlowObserver
{
    private const int MaxTracked = 50_000;
    private const int MaxGroups = 1000;
    private const int MaxPooledConversations = 1024;

    private readonly Dictionary<long, Conversation> _conversations = [];
    private readonly Dictionary<(string Code, string Server, string Detail), FindingGroup> _groups = [];
    private readonly CertificateChainCache _chains = new();
    private readonly AsciiNameTable _serverNames = new();

    // Finished conversations are reused: a busy capture has tens of thousands of TLS connections.
    private readonly Stack<Conversation> _pool = new();

    /// <summary>TLS 1.3 handshakes: one piece of context for the capture, not one per server (it is how TLS works now, not a fault).</summary>
    private readonly FlowGroup _tls13 = new();
    private readonly HashSet<(Decoding.NetAddress, ushort)> _tls13Servers = [];

    public TlsStatistics Statistics { get; } = new();

    public PacketInterest Interest => PacketInterest.TcpPayload;

    public void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds)
    {
        if (flow is null || !packet.HasTcpHeader || packet.CapturedPayloadLength == 0 || flow.Tls == ApplicationTracking.Ignored)
        {
            return;
        }

        ReadOnlySpan<byte> payload = packet.Payload.Span;
        if (!_conversations.TryGetValue(flow.Id, out Conversation? conversation))
        {
            if (flow.Tls == ApplicationTracking.Tracking || !TlsStreamReader.LooksLikeTls(payload) || _conversations.Count >= MaxTracked)
            {
                flow.Tls = ApplicationTracking.Ignored;
                return;
            }

            flow.Tls = ApplicationTracking.Tracking;
            _conversations[flow.Id] = conversation = _pool.Count > 0 ? _pool.Pop() : new Conversation(this);
            Statistics.Conversations++;
        }

        bool fromOriginator = packet.Source == flow.OriginatorAddress && packet.SourcePort == flow.OriginatorPort;
        conversation.Now = timestampNanoseconds;
        conversation.PacketNumber = packetNumber;
        conversation.FromServer = !fromOriginator;
        ref TlsStreamReader reader = ref fromOriginator ? ref conversation.FromClientReader : ref conversation.FromServerReader;
        if (reader.Feed(packet.Sequence, payload, conversation) > 0)
        {
            Statistics.AlertFrames++;
        }
    }

    public void OnFlowFinished(Flow flow)
    {
        if (flow.Tls == ApplicationTracking.Tracking && _conversations.Remove(flow.Id, out Conversation? conversation))
        {
            conversation.Conclude(flow);
            if (_pool.Count < MaxPooledConversations)
            {
                conversation.Reset();
                _pool.Push(conversation);
            }
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        foreach (((string code, string server, string detail), FindingGroup group) in _groups)
        {
            yield return Build(code, server, detail, group);
        }

        if (_tls13.Count > 0)
        {
            yield return _tls13.Describe(new Finding
            {
                Code = FindingCodes.Tls13CertificatesHidden,
                Severity = FindingSeverity.Info,
                Title = $"{FlowText.Count(_tls13.Count, "TLS 1.3 handshake", "TLS 1.3 handshakes")} with {FlowText.Count(_tls13Servers.Count, "server", "servers")}: certificates not visible",
                Verdict = "TLS 1.3 encrypts the certificates, so the capture cannot show certificate problems for these connections.",
                Explanation = "From TLS 1.3 on, the server certificate travels encrypted. Certificate checks (chain, expiry, name) are only possible for TLS 1.2 and earlier handshakes.",
                NextStep = "If a certificate problem is suspected, check it from a client: openssl s_client -connect host:443 -servername name -showcerts, or force TLS 1.2 on a test client and capture again.",
                WiresharkFilter = "tls.handshake.type==2 && tls.handshake.extensions.supported_version==0x0304",
                Facts = new Dictionary<string, double> { ["connections"] = _tls13.Count, ["servers"] = _tls13Servers.Count },
                Weight = 0,
            });
        }
    }

    private void Record(string code, Flow flow, string detail, long packetNumber, string? sni)
    {
        string server = FlowText.Server(flow);
        if (!_groups.TryGetValue((code, server, detail), out FindingGroup? group))
        {
            if (_groups.Count >= MaxGroups)
            {
                return;
            }

            _groups[(code, server, detail)] = group = new FindingGroup();
        }

        group.Flows.Add(flow, packetNumber);
        group.Sni ??= sni;
    }

    private static Finding Build(string code, string server, string detail, FindingGroup group)
    {
        string name = group.Sni is { } sni ? $"{sni} ({server})" : server;
        (FindingSeverity severity, string title, string verdict, string explanation, string next, string filter) = code switch
        {
            FindingCodes.TlsAlert => AlertText(name, detail),
            FindingCodes.TlsIncompleteChain => (FindingSeverity.Error,
                $"{name} sends an incomplete certificate chain ({detail})",
                $"{name} does not send its intermediate CA certificate: clients that do not already have it cannot validate the server.",
                $"The server's Certificate message contains {detail}. Browsers often fetch missing intermediates themselves, but most other clients (Java, .NET, curl, IoT devices, Azure services calling back) "
                    + "fail with 'unable to get local issuer certificate' or 'unknown CA'.",
                "Configure the server with the full chain: on Application Gateway / App Service / API Management upload a PFX that includes the intermediates (or reference a Key Vault certificate with the full chain); "
                    + "on VMs set the chain file in the web server (e.g. nginx ssl_certificate with the fullchain).",
                "tls.handshake.type==11"),
            FindingCodes.TlsSelfSigned => (FindingSeverity.Warning,
                $"{name} presents a self-signed certificate ({detail})",
                $"{name} uses a self-signed certificate, which clients do not trust unless told to.",
                "The certificate was issued by itself, not by a certificate authority. Clients reject it unless it was explicitly added to their trust store.",
                "Use a certificate from a trusted CA (App Service managed certificates, Key Vault with a CA integration) or distribute the self-signed root to every client that must trust it.",
                "tls.handshake.type==11"),
            FindingCodes.TlsCertExpired => (FindingSeverity.Error,
                $"{name} presents a certificate that is not valid at capture time ({detail})",
                $"{name}'s certificate is expired or not yet valid: clients refuse the connection.",
                $"At the time of the capture the server certificate was outside its validity period ({detail}).",
                "Renew the certificate and deploy it where TLS terminates (Application Gateway listener, Front Door, App Service binding, API Management, the VM); enable Key Vault auto-rotation so it does not recur.",
                "tls.handshake.type==11"),
            FindingCodes.TlsNameMismatch => (FindingSeverity.Error,
                $"{name}: the certificate does not cover the requested name ({detail})",
                $"The certificate {server} presents does not match the name the client asked for ({group.Sni}).",
                $"The client asked for {group.Sni} (SNI) and the certificate is for {detail}. Clients refuse the connection (name mismatch).",
                "Bind a certificate whose Subject Alternative Names include the host name the clients use, or make the clients use a name on the certificate. "
                    + "Behind Application Gateway or Front Door check the listener's host name and certificate, and for end-to-end TLS the backend host name override.",
                "tls.handshake.type==11 || tls.handshake.extensions_server_name"),
            _ => throw new InvalidOperationException($"no finding text for {code}"),
        };

        return group.Flows.Describe(new Finding
        {
            Code = code,
            Severity = severity,
            Title = title,
            Verdict = verdict,
            Explanation = explanation,
            NextStep = next,
            WiresharkFilter = filter,
            Facts = new Dictionary<string, double> { ["connections"] = group.Flows.Count },
            Weight = group.Flows.Count,
        });
    }

    private static (FindingSeverity, string, string, string, string, string) AlertText(string name, string detail)
    {
        // detail is "<sender>:<description>"
        string[] parts = detail.Split(':', 2);
        bool fromServer = parts[0] == "server";
        string description = parts[1];
        string sender = fromServer ? "the server" : "the client";
        string meaning = description switch
        {
            "handshake_failure" => fromServer
                ? "the server found no protocol version / cipher suite it shares with the client, or rejected the client certificate"
                : "the client gave up the handshake (no acceptable parameters)",
            "protocol_version" => "the two sides support no common TLS version (e.g. the service requires TLS 1.2 and the client offers only 1.0/1.1)",
            "insufficient_security" => "the offered cipher suites are too weak for the other side",
            "unknown_ca" => "the certificate was issued by a CA the receiver does not trust (missing intermediate, private CA, or interception proxy)",
            "bad_certificate" or "certificate_unknown" or "unsupported_certificate" => "the certificate was rejected (untrusted, wrong name or type)",
            "certificate_expired" => "the certificate has expired",
            "certificate_revoked" => "the certificate was revoked",
            "certificate_required" => "the server requires a client certificate and none was sent",
            "unrecognized_name" => "the server does not serve the requested host name (SNI)",
            "decrypt_error" or "bad_record_mac" => "a cryptographic check failed (a broken middlebox or mismatched keys)",
            _ => $"{sender} aborted the handshake ({description})",
        };
        string next = description is "handshake_failure" or "protocol_version" or "insufficient_security"
            ? "Compare the versions and cipher suites the client offers (ClientHello) with the server's policy: the minimum TLS version on App Service / Storage / SQL / Application Gateway SSL policy, "
              + "and the client's OS / runtime TLS settings (old .NET Framework, Java, OpenSSL). If a client certificate is required, check that the client sends one the server trusts."
            : "Check the certificate chain the server sends and the client's trust store; behind Application Gateway / Front Door check the listener certificate and, for end-to-end TLS, the backend certificate and its trusted root.";
        return (FindingSeverity.Error,
            $"TLS handshake with {name} aborted: {sender} sent fatal alert {description}",
            $"The TLS handshake with {name} fails: {meaning}.",
            $"TCP connected fine, then {sender} ended the TLS handshake with the alert '{description}': {meaning}. The application sees a TLS/SSL error, not a network error.",
            next,
            "tls.alert_message");
    }

    private sealed class FindingGroup
    {
        public FlowGroup Flows { get; } = new();

        public string? Sni { get; set; }
    }

    /// <summary>The TLS state of one conversation, fed by both directions.</summary>
    private sealed class Conversation(TlsDetector owner) : ITlsStreamEvents
    {
        private List<(string Code, string Detail, long Packet)>? _problems; // most conversations have none
        private long _tls13Packet;

        // Fields, not objects of their own: the reader's state is on the conversation's cache lines.
        public TlsStreamReader FromClientReader;

        public TlsStreamReader FromServerReader;

        public long Now { get; set; }

        public long PacketNumber { get; set; }

        public bool FromServer { get; set; }

        private string? Sni { get; set; }

        public void OnAlert(byte level, byte description, bool encrypted)
        {
            if (encrypted)
            {
                owner.Statistics.EncryptedAlerts++;
                return;
            }

            string name = TlsNames.Alert(description);
            owner.Statistics.AlertsByDescription[name] = owner.Statistics.AlertsByDescription.GetValueOrDefault(name) + 1;
            if (level == 2 || description is 40 or 70 or 71)
            {
                Problem((FindingCodes.TlsAlert, $"{(FromServer ? "server" : "client")}:{name}", PacketNumber));
            }
        }

        public void OnHandshakeMessage(byte type, ReadOnlySpan<byte> body)
        {
            switch (type)
            {
                case TlsHandshake.ClientHello when !FromServer:
                    owner.Statistics.ClientHellos++;
                    Sni ??= TlsHandshake.ReadServerName(body, owner._serverNames);
                    break;
                case TlsHandshake.ServerHello when FromServer:
                    if (TlsHandshake.ReadServerVersion(body, out _) == 0x0304)
                    {
                        owner.Statistics.Tls13Handshakes++;
                        _tls13Packet = PacketNumber;
                    }

                    break;
                case TlsHandshake.Certificate when FromServer:
                    owner.Statistics.CertificateMessages++;
                    CheckCertificates(body);
                    break;
            }
        }

        public void Conclude(Flow flow)
        {
            FromClientReader.ReleaseHandshake();
            FromServerReader.ReleaseHandshake();
            if (_tls13Packet > 0)
            {
                owner._tls13.Add(flow, _tls13Packet);
                owner._tls13Servers.Add((flow.ResponderAddress, flow.ResponderPort));
            }

            if (_problems is null)
            {
                return;
            }

            foreach ((string code, string detail, long packet) in _problems)
            {
                owner.Record(code, flow, detail, packet, Sni);
            }
        }

        /// <summary>Makes this object a new conversation (the detector reuses finished ones).</summary>
        public void Reset()
        {
            _problems = null;
            _tls13Packet = 0;
            Now = PacketNumber = 0;
            FromServer = false;
            Sni = null;
            FromClientReader.Reset();
            FromServerReader.Reset();
        }

        private void Problem((string Code, string Detail, long Packet) problem) => (_problems ??= []).Add(problem);

        private void CheckCertificates(ReadOnlySpan<byte> certificateMessage)
        {
            CertificateChain chain = owner._chains.Get(certificateMessage);
            if (chain.Unreadable)
            {
                owner.Statistics.UnreadableCertificates++;
            }

            if (chain.Count == 0)
            {
                return;
            }

            if (chain.SelfSigned)
            {
                Problem((FindingCodes.TlsSelfSigned, chain.LeafSubject, PacketNumber));
            }
            else if (chain.Gap is { } gap)
            {
                Problem((FindingCodes.TlsIncompleteChain, gap, PacketNumber));
            }

            DateTime at = DateTime.UnixEpoch.AddTicks(Now / 100);
            if (at > chain.NotAfter)
            {
                Problem((FindingCodes.TlsCertExpired, $"expired {chain.NotAfter:yyyy-MM-dd}, {(at - chain.NotAfter).TotalDays:0} days before the capture", PacketNumber));
            }
            else if (at < chain.NotBefore)
            {
                Problem((FindingCodes.TlsCertExpired, $"not valid before {chain.NotBefore:yyyy-MM-dd}", PacketNumber));
            }

            if (Sni is { Length: > 0 } && !CertificateNames.Covers(chain.Names, Sni))
            {
                Problem((FindingCodes.TlsNameMismatch, chain.NamesText, PacketNumber));
            }
        }
    }
}

/// <summary>
/// What the checks need from a server's certificate chain, parsed once. A server sends the same
/// chain on every handshake, and parsing X.509 (OpenSSL underneath) costs far more than
/// everything else done per packet, so a capture with thousands of TLS 1.2 handshakes parses
/// each distinct chain once (<see cref="CertificateChainCache"/>).
/// </summary>
internal sealed class CertificateChain
{
    /// <summary>Certificates that could be parsed (leaf first; parsing stops at the first unreadable one).</summary>
    public int Count { get; private init; }

    public bool Unreadable { get; private init; }

    public bool SelfSigned { get; private init; }

    public string LeafSubject { get; private init; } = string.Empty;

    /// <summary>Why the chain is incomplete (a missing or mismatched issuer); null when it links up.</summary>
    public string? Gap { get; private init; }

    public DateTime NotBefore { get; private init; }

    public DateTime NotAfter { get; private init; }

    /// <summary>The leaf's DNS names (SAN; the CN only when there is no SAN).</summary>
    public IReadOnlyList<string> Names { get; private init; } = [];

    public string NamesText => string.Join(", ", Names.Take(5)) + (Names.Count > 5 ? ", ..." : string.Empty);

    public static CertificateChain Read(List<byte[]> encoded)
    {
        var certificates = new List<X509Certificate2>();
        bool unreadable = false;
        try
        {
            foreach (byte[] der in encoded)
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(der));
            }
        }
        catch (CryptographicException)
        {
            unreadable = true;
        }

        try
        {
            if (certificates.Count == 0)
            {
                return new CertificateChain { Unreadable = unreadable };
            }

            X509Certificate2 leaf = certificates[0];
            bool selfSigned = leaf.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData);
            string? gap = null;
            if (!selfSigned && certificates.Count == 1)
            {
                gap = $"only the leaf certificate; issuer {leaf.Issuer} missing";
            }

            for (int i = 0; gap is null && !selfSigned && i + 1 < certificates.Count; i++)
            {
                if (!certificates[i].IssuerName.RawData.AsSpan().SequenceEqual(certificates[i + 1].SubjectName.RawData))
                {
                    gap = $"certificate {i + 1} was issued by {certificates[i].Issuer}, but the next one is {certificates[i + 1].Subject}";
                }
            }

            return new CertificateChain
            {
                Count = certificates.Count,
                Unreadable = unreadable,
                SelfSigned = selfSigned,
                LeafSubject = leaf.Subject,
                Gap = gap,
                NotBefore = leaf.NotBefore.ToUniversalTime(),
                NotAfter = leaf.NotAfter.ToUniversalTime(),
                Names = CertificateNames.Of(leaf),
            };
        }
        finally
        {
            foreach (X509Certificate2 certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }
}

/// <summary>Parsed chains by the SHA-256 of their bytes; bounded (a capture of many distinct servers parses beyond the bound each time).</summary>
internal sealed class CertificateChainCache
{
    private const int MaxChains = 4096;
    private readonly Dictionary<UInt128, CertificateChain> _chains = [];

    /// <param name="certificateMessage">The body of a Certificate handshake message (its certificate list).</param>
    public CertificateChain Get(ReadOnlySpan<byte> certificateMessage)
    {
        // Keyed by the message bytes: a repeated chain costs one hash, no allocation and no parse.
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(certificateMessage, digest);
        UInt128 key = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(digest);
        if (_chains.TryGetValue(key, out CertificateChain? chain))
        {
            return chain;
        }

        chain = CertificateChain.Read(TlsHandshake.ReadCertificates(certificateMessage));
        if (_chains.Count < MaxChains)
        {
            _chains[key] = chain;
        }

        return chain;
    }
}

/// <summary>Host-name matching of a server certificate (RFC 6125: SAN DNS names, single-label wildcards, CN only without SANs).</summary>
internal static class CertificateNames
{
    /// <summary>The names a certificate is valid for: its SAN DNS names, or its CN when it has no SAN.</summary>
    public static IReadOnlyList<string> Of(X509Certificate2 certificate)
    {
        var dnsNames = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
        if (dnsNames.Count == 0)
        {
            string commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.IsNullOrEmpty(commonName))
            {
                dnsNames.Add(commonName);
            }
        }

        return dnsNames;
    }

    /// <summary>Whether any of <paramref name="names"/> covers <paramref name="host"/> (a loop: this runs per handshake).</summary>
    public static bool Covers(IReadOnlyList<string> names, string host)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (Match(names[i], host))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool Match(string pattern, string host)
    {
        host = host.TrimEnd('.');
        if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            int dot = host.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && string.Equals(pattern[1..], host[dot..], StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }
}
