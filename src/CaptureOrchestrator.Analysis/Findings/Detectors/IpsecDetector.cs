using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Site-to-site VPN health from the packets: IKE requests without response (from the first
/// message, or an IKEv2 exchange later in the negotiation), repeated negotiation, NAT traversal in
/// use, and ESP flowing in one direction only (tunnel up one way).
/// </summary>
public sealed class IpsecDetector : IDetector, IPacketObserver
{
    private const byte IkeV2SaInit = 34;
    private const byte IkeV2Auth = 35;
    private const byte IkeV1MainMode = 2;
    private const int RepeatedNegotiations = 3;
    private const int OneWayMinimumPackets = 10;
    private const int MaxPeers = 1000;
    private const int MaxSamples = 20;
    private const int MaxExchanges = 10_000;

    /// <summary>An IKE request sent this many times without a reply is lost, not just slow: IKE retransmits after a timeout.</summary>
    private const int UnansweredAfterSends = 2;

    private readonly Dictionary<(NetAddress A, NetAddress B), Peer> _peers = [];

    /// <summary>IKEv2 requests by (IKE SA, message ID, requester): a response carries the same SPI and ID.</summary>
    private readonly Dictionary<(ulong Spi, uint MessageId, NetAddress Requester), Exchange> _exchanges = [];

    public PacketInterest Interest => PacketInterest.Ipsec;

    public void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds)
    {
        if (!packet.IsIke && !packet.IsEsp && !packet.IsNatKeepalive)
        {
            return;
        }

        bool forward = packet.Source.CompareTo(packet.Destination) <= 0;
        var key = forward ? (packet.Source, packet.Destination) : (packet.Destination, packet.Source);
        if (!_peers.TryGetValue(key, out Peer? peer))
        {
            if (_peers.Count >= MaxPeers)
            {
                return;
            }

            _peers[key] = peer = new Peer(key.Item1, key.Item2, timestampNanoseconds);
        }

        peer.Last = timestampNanoseconds;
        if (packet.SourcePort == 4500 || packet.DestinationPort == 4500)
        {
            peer.NatTraversal = true;
        }

        if (peer.Packets.Count < MaxSamples)
        {
            peer.Packets.Add(packetNumber);
        }

        if (packet.IsEsp)
        {
            if (forward)
            {
                peer.EspAtoB++;
            }
            else
            {
                peer.EspBtoA++;
            }

            return;
        }

        if (!packet.IsIke)
        {
            return;
        }

        // IKE: requests carry the initiator's SPI; a response (IKEv2 flag, or any packet from the
        // other peer for IKEv1) shows the responder is alive.
        peer.IkeVersion = packet.IkeVersion;
        bool isSaInit = (packet.IkeVersion == 2 && packet.IkeExchangeType == IkeV2SaInit) || (packet.IkeVersion == 1 && packet.IkeExchangeType == IkeV1MainMode && packet.IkeResponderSpi == 0);
        if (packet.IkeVersion == 2 ? packet.IkeIsResponse : peer.IkeInitiator is { } initiator && packet.Source != initiator)
        {
            peer.IkeResponses++;
            peer.AnsweredOnPort500 |= packet.SourcePort == 500;
            if (packet.IkeVersion == 2 && _exchanges.TryGetValue((packet.IkeInitiatorSpi, packet.IkeMessageId, packet.Destination), out Exchange? answered))
            {
                answered.Answered = true;
            }

            return;
        }

        if (packet.IkeVersion == 2)
        {
            TrackRequest(peer, packet, packetNumber, timestampNanoseconds);
        }

        peer.IkeInitiator ??= packet.Source;
        peer.IkeRequests++;
        if (isSaInit && packet.IkeResponderSpi == 0 && peer.InitiatorSpis.Count < 64)
        {
            peer.InitiatorSpis.Add(packet.IkeInitiatorSpi);
        }
    }

    private void TrackRequest(Peer peer, DecodedPacket packet, long packetNumber, long timestampNanoseconds)
    {
        var key = (packet.IkeInitiatorSpi, packet.IkeMessageId, packet.Source);
        if (!_exchanges.TryGetValue(key, out Exchange? exchange))
        {
            if (_exchanges.Count >= MaxExchanges)
            {
                return;
            }

            _exchanges[key] = exchange = new Exchange(peer, packet.Source, packet.Destination, packet.IkeExchangeType, packet.DestinationPort, timestampNanoseconds)
            {
                MessageId = packet.IkeMessageId,
            };
        }

        exchange.Sends++;
        exchange.Fragmented |= packet.IsFragment;
        exchange.Last = timestampNanoseconds;
        if (exchange.Packets.Count < MaxSamples)
        {
            exchange.Packets.Add(packetNumber);
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        // The first exchange the responder stopped answering, per peer pair: where the negotiation broke.
        var broken = new Dictionary<Peer, Exchange>();
        foreach (Exchange exchange in _exchanges.Values)
        {
            if (!exchange.Answered && exchange.Sends >= UnansweredAfterSends && exchange.Peer.IkeResponses > 0
                && (!broken.TryGetValue(exchange.Peer, out Exchange? earlier) || exchange.First < earlier.First))
            {
                broken[exchange.Peer] = exchange;
            }
        }

        foreach ((Peer peer, Exchange exchange) in broken)
        {
            yield return ExchangeUnanswered(peer, exchange);
        }

        var oneWay = new List<Peer>();
        var natTraversal = new List<Peer>();
        foreach (Peer peer in _peers.Values)
        {
            string pair = $"{peer.A} ↔ {peer.B}";
            string filter = $"(isakmp || esp || udp.port==4500) && {FlowText.AddressField(peer.A)}.addr=={peer.A} && {FlowText.AddressField(peer.B)}.addr=={peer.B}";
            if (peer.IkeRequests > 0 && peer.IkeResponses == 0)
            {
                NetAddress initiator = peer.IkeInitiator ?? peer.A;
                NetAddress responder = initiator == peer.A ? peer.B : peer.A;
                yield return Build(peer, FindingCodes.IkeNoResponse, FindingSeverity.Error,
                    $"IKE requests from {initiator} to {responder} get no response ({FlowText.Count(peer.IkeRequests, "request", "requests")})",
                    $"The VPN tunnel cannot come up: {responder} never answers IKE from {initiator}.",
                    $"{initiator} tries to negotiate the tunnel (IKEv{peer.IkeVersion}) and {responder} never replies. Either UDP 500/4500 does not reach {responder} "
                    + "(firewall, NAT, wrong public IP) or the peer ignores it (mismatched peer address or pre-shared key identity).",
                    "Check the local network gateway's address and the on-premises device's peer address, that UDP 500 and 4500 are allowed both ways on the on-premises firewall, "
                    + "and the VPN gateway's IKE diagnostic log (GatewayDiagnosticLog / IKEDiagnosticLog in Log Analytics) for this connection.",
                    filter, peer.IkeRequests);
            }

            if (peer.InitiatorSpis.Count >= RepeatedNegotiations)
            {
                yield return Build(peer, FindingCodes.IkeRenegotiation, FindingSeverity.Warning,
                    $"IKE negotiation between {pair} started {peer.InitiatorSpis.Count} times",
                    "The VPN peers keep starting new IKE negotiations: the tunnel flaps or never settles.",
                    $"{peer.InitiatorSpis.Count} separate IKE_SA_INIT / Main Mode exchanges (different initiator SPIs) in {FlowText.Seconds((peer.Last - peer.First) / 1e9)}. "
                    + "Repeated negotiation means each attempt fails (proposal mismatch, authentication failure, DPD timeouts) or the SA is torn down and rebuilt.",
                    "Compare IPsec/IKE policies on both sides (encryption, integrity, DH group, lifetimes) with the connection's custom policy; read the gateway's IKE diagnostic log for the failure reason; "
                    + "check that only one side initiates if the device requires it.",
                    filter, peer.InitiatorSpis.Count);
            }

            if (peer.NatTraversal)
            {
                natTraversal.Add(peer);
            }

            long espTotal = peer.EspAtoB + peer.EspBtoA;
            if (espTotal >= OneWayMinimumPackets && (peer.EspAtoB == 0 || peer.EspBtoA == 0))
            {
                oneWay.Add(peer);
            }
        }

        // Context, once for the capture: NAT traversal is how these tunnels run, not a problem per peer.
        if (natTraversal.Count > 0)
        {
            Peer first = natTraversal[0];
            string pairs = natTraversal.Count == 1 ? $"{first.A} ↔ {first.B}" : $"{natTraversal.Count} peer pairs ({string.Join(", ", natTraversal.Take(3).Select(p => $"{p.A} ↔ {p.B}"))}{(natTraversal.Count > 3 ? ", …" : string.Empty)})";
            Finding nat = Build(first, FindingCodes.IpsecNatTraversal, FindingSeverity.Info,
                $"IPsec between {pairs} uses NAT traversal (UDP 4500)",
                "The VPN runs over NAT traversal: a NAT device sits between the peers.",
                "IKE moved to UDP 4500 and ESP is carried inside UDP (RFC 3948), which happens when a NAT is detected between the peers. That works, but the NAT must keep the UDP mapping alive (NAT keepalives).",
                "Nothing to fix unless the tunnel drops when idle: then check the NAT device's UDP timeout and that UDP 4500 is allowed both ways.",
                "udp.port==4500", 0);
            yield return natTraversal.Count == 1 ? nat : nat with
            {
                Packets = natTraversal.SelectMany(p => p.Packets).Distinct().Take(20).ToList(),
                FlowCount = natTraversal.Count,
                Facts = new Dictionary<string, double> { ["peerPairs"] = natTraversal.Count },
            };
        }

        // A sender whose tunnels to several peers all stay one-way has one problem (its own
        // return path, or its selectors), not one per peer.
        foreach (var sender in oneWay.GroupBy(p => p.EspAtoB > 0 ? p.A : p.B))
        {
            yield return EspOneWayFrom(sender.Key, sender.ToList());
        }
    }

    private static Finding EspOneWayFrom(NetAddress sender, List<Peer> peers)
    {
        List<NetAddress> silent = peers.Select(p => p.A == sender ? p.B : p.A).ToList();
        long packets = peers.Sum(p => p.EspAtoB + p.EspBtoA);
        string to = silent.Count == 1 ? silent[0].ToString() : $"{silent.Count} peers ({string.Join(", ", silent.Take(3))}{(silent.Count > 3 ? ", …" : string.Empty)})";
        string filter = silent.Count == 1
            ? $"esp && {FlowText.AddressField(sender)}.addr=={sender} && {FlowText.AddressField(silent[0])}.addr=={silent[0]}"
            : $"esp && {FlowText.AddressField(sender)}.addr=={sender}";
        Finding finding = Build(peers[0], FindingCodes.EspOneWay, FindingSeverity.Error,
            $"ESP flows only from {sender} to {to} ({FlowText.Count(packets, "packet", "packets")}, none back)",
            silent.Count == 1
                ? $"The VPN tunnel is up in one direction only: {silent[0]} sends no ESP back."
                : $"The VPN tunnels from {sender} to {silent.Count} peers are up in one direction only: none of them sends ESP back, so look at what they share — {sender}'s return path and traffic selectors.",
            $"Encrypted traffic leaves {sender} but nothing comes back from {to}. The tunnel negotiated, but the other side does not route the return traffic into it "
            + "(traffic selectors / encryption domain mismatch, missing route for the Azure address space on-premises, or a firewall dropping ESP).",
            "Check that the traffic selectors (local and remote address spaces) match exactly on both sides (or enable policy-based traffic selectors), that on-premises routes the Azure VNet ranges into the tunnel, "
            + "and the connection's ingress/egress byte counters in the portal; Network Watcher VPN troubleshoot gives the gateway's view.",
            filter, packets);
        return silent.Count == 1 ? finding : finding with
        {
            Packets = peers.SelectMany(p => p.Packets).Distinct().Take(20).ToList(),
            FirstNanoseconds = peers.Min(p => p.First),
            LastNanoseconds = peers.Max(p => p.Last),
            FlowCount = peers.Count,
            Facts = new Dictionary<string, double> { ["peers"] = peers.Count, ["espPackets"] = packets },
        };
    }

    /// <summary>
    /// The responder answered earlier messages, then went silent on one exchange. When that request
    /// went out as IP fragments (IKE_AUTH carries certificates and often exceeds the MTU), the classic
    /// cause is a device on the path that drops fragments; on UDP 4500 after an answered UDP 500 it
    /// is a NAT-T port that does not get through.
    /// </summary>
    private static Finding ExchangeUnanswered(Peer peer, Exchange exchange)
    {
        string name = ExchangeName(exchange.Type);
        string requester = exchange.Requester.ToString();
        string responder = exchange.Responder.ToString();
        string sends = FlowText.Count(exchange.Sends, "time", "times");
        string verdict;
        string explanation;
        string nextStep;
        if (exchange.Fragmented)
        {
            verdict = $"The VPN negotiation stalls at {name}: {responder} answered IKE before, but the {name} request from {requester} goes out as IP fragments and is never answered. "
                + "A device on the path drops fragmented UDP.";
            explanation = $"{requester} sent {name} {sends} (message ID {exchange.MessageId}, UDP {exchange.Port}) as IPv4 fragments, and {responder} never replied, although it had answered the messages before it. "
                + "IKE_AUTH carries certificates and proposals and is often larger than the path MTU; firewalls, NAT devices and some ISPs drop IP fragments, so the small first exchange works and the large one vanishes.";
            nextStep = "Find the device that drops the fragments (on-premises firewall or NAT, ISP, an NVA in the path) and let fragments of UDP 500/4500 through, "
                + "or make the message smaller: IKEv2 fragmentation (RFC 7383) on the on-premises device, a pre-shared key or a shorter certificate chain. "
                + "The VPN gateway's IKEDiagnosticLog shows whether the request ever arrived in Azure.";
        }
        else if (exchange.Port == 4500 && peer.AnsweredOnPort500)
        {
            verdict = $"The VPN negotiation stalls at {name}: IKE on UDP 500 was answered, but after the switch to UDP 4500 (NAT traversal) {responder} never answers. UDP 4500 does not get through.";
            explanation = $"{requester} sent {name} {sends} on UDP 4500 (message ID {exchange.MessageId}) without a reply, while {responder} had answered on UDP 500. "
                + "Peers move to UDP 4500 when they detect a NAT between them; a firewall that allows only UDP 500 lets the negotiation start and then cuts it off.";
            nextStep = "Allow UDP 4500 both ways on the on-premises firewall and any NAT device in front of the VPN device, and check the NAT keeps the 4500 mapping. "
                + "The VPN gateway's IKEDiagnosticLog shows whether the request ever arrived in Azure.";
        }
        else
        {
            verdict = $"The VPN negotiation stalls at {name}: {responder} answered IKE before, then stopped answering {requester}.";
            explanation = $"{requester} sent {name} {sends} (message ID {exchange.MessageId}, UDP {exchange.Port}) and {responder} never replied, although it had answered earlier messages. "
                + "A responder that silently drops a request usually cannot process it (authentication or identity it does not accept, a proposal it rejects without notifying), or the packets no longer reach it.";
            nextStep = "Read the VPN gateway's IKEDiagnosticLog for this connection at this time (it names the failing step), and compare the pre-shared key, IKE identities "
                + "and IPsec/IKE policy (or the connection's custom policy) on both sides.";
        }

        return new Finding
        {
            Code = FindingCodes.IkeExchangeUnanswered,
            Severity = FindingSeverity.Error,
            Title = $"IKE {name} from {requester} to {responder} unanswered after {sends}{(exchange.Fragmented ? " (sent as IP fragments)" : "")}",
            Verdict = verdict,
            Explanation = explanation,
            NextStep = nextStep,
            WiresharkFilter = $"(isakmp || ip.flags.mf==1 || ip.frag_offset>0) && {FlowText.AddressField(exchange.Requester)}.addr=={requester} && {FlowText.AddressField(exchange.Responder)}.addr=={responder}",
            Packets = exchange.Packets,
            FirstNanoseconds = exchange.First,
            LastNanoseconds = exchange.Last,
            Facts = new Dictionary<string, double>
            {
                ["exchangeType"] = exchange.Type,
                ["messageId"] = exchange.MessageId,
                ["sends"] = exchange.Sends,
                ["fragmented"] = exchange.Fragmented ? 1 : 0,
                ["port"] = exchange.Port,
                ["ikeResponses"] = peer.IkeResponses,
            },
            Weight = exchange.Sends,
        };
    }

    private static string ExchangeName(byte type) => type switch
    {
        IkeV2SaInit => "IKE_SA_INIT",
        IkeV2Auth => "IKE_AUTH",
        36 => "CREATE_CHILD_SA",
        37 => "INFORMATIONAL",
        _ => $"exchange {type}",
    };

    private static Finding Build(Peer peer, string code, FindingSeverity severity, string title, string verdict, string explanation, string nextStep, string filter, double weight) => new()
    {
        Code = code,
        Severity = severity,
        Title = title,
        Verdict = verdict,
        Explanation = explanation,
        NextStep = nextStep,
        WiresharkFilter = filter,
        Packets = peer.Packets,
        FirstNanoseconds = peer.First,
        LastNanoseconds = peer.Last,
        Facts = new Dictionary<string, double>
        {
            ["ikeRequests"] = peer.IkeRequests,
            ["ikeResponses"] = peer.IkeResponses,
            ["negotiations"] = peer.InitiatorSpis.Count,
            ["espAtoB"] = peer.EspAtoB,
            ["espBtoA"] = peer.EspBtoA,
        },
        Weight = weight,
    };

    private sealed class Peer(NetAddress a, NetAddress b, long first)
    {
        public NetAddress A { get; } = a;

        public NetAddress B { get; } = b;

        public long First { get; } = first;

        public long Last { get; set; }

        public NetAddress? IkeInitiator { get; set; }

        public byte IkeVersion { get; set; }

        public long IkeRequests { get; set; }

        public long IkeResponses { get; set; }

        public HashSet<ulong> InitiatorSpis { get; } = [];

        public bool NatTraversal { get; set; }

        public long EspAtoB { get; set; }

        public long EspBtoA { get; set; }

        public List<long> Packets { get; } = [];

        /// <summary>The responder answered on UDP 500 (before any move to 4500).</summary>
        public bool AnsweredOnPort500 { get; set; }
    }

    private sealed class Exchange(Peer peer, NetAddress requester, NetAddress responder, byte type, ushort port, long first)
    {
        public Peer Peer { get; } = peer;

        public NetAddress Requester { get; } = requester;

        public NetAddress Responder { get; } = responder;

        public byte Type { get; } = type;

        public ushort Port { get; } = port;

        public long First { get; } = first;

        public long Last { get; set; }

        public uint MessageId { get; init; }

        public int Sends { get; set; }

        public bool Fragmented { get; set; }

        public bool Answered { get; set; }

        public List<long> Packets { get; } = [];
    }
}
