using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Protocols;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>Counts over all DNS messages of a capture (UDP port 53, also inside tunnels).</summary>
public sealed class DnsStatistics
{
    public long Queries { get; internal set; }

    public long Responses { get; internal set; }

    /// <summary>Responses per response code name (NOERROR, NXDOMAIN, SERVFAIL, ...).</summary>
    public Dictionary<string, long> ResponsesByCode { get; } = [];

    public long Unanswered { get; internal set; }

    public double MaxLatencyMs { get; internal set; }
}

/// <summary>DNS failures (NXDOMAIN, SERVFAIL, REFUSED), unanswered and slow queries, and which resolver was asked.</summary>
public sealed class DnsDetector : IDetector, IPacketObserver
{
    public const string AzureDns = "168.63.129.16";
    private const ushort DnsPort = 53;
    private const int MaxPending = 20_000;
    private const int MaxSamples = 20;
    private static readonly long SlowNs = (long)TimeSpan.FromMilliseconds(500).TotalNanoseconds;
    private static readonly long UnansweredAfterNs = (long)TimeSpan.FromSeconds(2).TotalNanoseconds;

    private readonly Dictionary<(NetAddress Client, ushort Port, NetAddress Server, ushort Id), Pending> _pending = [];
    private readonly AsciiNameTable _names = new();
    private readonly Dictionary<(byte Code, string Name, NetAddress Server), Group> _failures = [];
    private readonly Dictionary<NetAddress, Group> _slow = [];

    public DnsStatistics Statistics { get; } = new();

    public PacketInterest Interest => PacketInterest.Udp;

    public void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds)
    {
        if (packet.Protocol != IpProtocol.Udp || (packet.SourcePort != DnsPort && packet.DestinationPort != DnsPort)
            || !DnsMessage.TryParse(packet.Payload.Span, _names, out DnsMessage message))
        {
            return;
        }

        if (!message.IsResponse)
        {
            Statistics.Queries++;
            var key = (packet.Source, packet.SourcePort, packet.Destination, message.Id);
            if (_pending.Count < MaxPending)
            {
                _pending.TryAdd(key, new Pending(timestampNanoseconds, packetNumber, message.QuestionName, message.QuestionType));
            }

            return;
        }

        Statistics.Responses++;
        string codeName = DnsMessage.ResponseCodeName(message.ResponseCode);
        Statistics.ResponsesByCode[codeName] = Statistics.ResponsesByCode.GetValueOrDefault(codeName) + 1;
        var queryKey = (packet.Destination, packet.DestinationPort, packet.Source, message.Id);
        long latency = -1;
        if (_pending.Remove(queryKey, out Pending query))
        {
            latency = timestampNanoseconds - query.Nanoseconds;
            Statistics.MaxLatencyMs = Math.Max(Statistics.MaxLatencyMs, latency / 1e6);
        }

        if (message.ResponseCode is DnsMessage.NameError or DnsMessage.ServerFailure or DnsMessage.Refused)
        {
            Record(_failures, (message.ResponseCode, message.QuestionName, packet.Source), packetNumber, timestampNanoseconds, query.PacketNumber);
        }
        else if (latency >= SlowNs)
        {
            Group slow = Record(_slow, packet.Source, packetNumber, timestampNanoseconds, query.PacketNumber);
            slow.MaxLatencyNs = Math.Max(slow.MaxLatencyNs, latency);
            slow.AddName(message.QuestionName);
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        // Lookups no application waits on (reverse lookups, proxy discovery) fail all the time, by
        // design: one piece of context per resolver, never an error and never the verdict.
        var background = new Dictionary<NetAddress, Group>();
        foreach (((byte code, string name, NetAddress server), Group group) in _failures.Where(p => IsBackground(p.Key.Name)))
        {
            Merge(background, server, group, name);
        }

        // Many names failing the same way at one resolver point at the resolver or a zone it
        // serves (a privatelink zone not linked), not at each name: one finding listing them.
        foreach (var resolver in _failures.Where(p => !IsBackground(p.Key.Name)).GroupBy(p => (p.Key.Code, p.Key.Server)))
        {
            if (resolver.Count() < NamesForResolverGroup)
            {
                foreach (((byte code, string name, NetAddress server), Group group) in resolver)
                {
                    yield return Failure(code, name, server, group);
                }

                continue;
            }

            var merged = new Dictionary<NetAddress, Group>();
            foreach (((_, string name, NetAddress server), Group group) in resolver.OrderByDescending(p => p.Value.Count))
            {
                Merge(merged, server, group, name);
            }

            yield return Failures(resolver.Key.Code, resolver.Count(), resolver.Key.Server, merged[resolver.Key.Server]);
        }

        long end = analysis.Capture.LastNanoseconds;
        var unanswered = new Dictionary<NetAddress, Group>();
        foreach (((NetAddress client, ushort port, NetAddress server, _), Pending query) in _pending)
        {
            if (end - query.Nanoseconds >= UnansweredAfterNs)
            {
                Group group = Record(IsBackground(query.Name) ? background : unanswered, server, query.PacketNumber, query.Nanoseconds, 0);
                group.AddName(query.Name);
                group.AddEvidence(FlowKey.Create(client, port, server, DnsPort, IpProtocol.Udp, out _), query.PacketNumber);
            }
        }

        Statistics.Unanswered = unanswered.Values.Sum(g => g.Count);
        foreach ((NetAddress server, Group group) in unanswered)
        {
            yield return Unanswered(server, group);
        }

        foreach ((NetAddress server, Group group) in background)
        {
            yield return Background(server, group);
        }

        foreach ((NetAddress server, Group group) in _slow)
        {
            yield return Slow(server, group);
        }
    }

    /// <summary>
    /// Reverse lookups (PTR, in-addr.arpa / ip6.arpa: tools and loggers ask them for every address,
    /// broadcast and private ones included) and proxy or tunnel discovery (wpad, isatap): they miss
    /// by design, and no connection waits on them.
    /// </summary>
    internal static bool IsBackground(string name)
    {
        string lower = name.TrimEnd('.').ToLowerInvariant();
        string first = lower.Split('.')[0];
        return lower.EndsWith(".in-addr.arpa", StringComparison.Ordinal) || lower.EndsWith(".ip6.arpa", StringComparison.Ordinal)
            || first is "wpad" or "isatap";
    }

    private static void Merge(Dictionary<NetAddress, Group> groups, NetAddress server, Group group, string name)
    {
        if (!groups.TryGetValue(server, out Group? merged))
        {
            groups[server] = merged = new Group { First = group.First };
        }

        merged.Count += group.Count;
        merged.First = Math.Min(merged.First, group.First);
        merged.Last = Math.Max(merged.Last, group.Last);
        merged.Packets.AddRange(group.Packets.Take(Math.Max(0, MaxSamples - merged.Packets.Count)));
        merged.AddName(name);
    }

    /// <summary>Names failing the same way at one resolver from which the resolver, not each name, is the finding.</summary>
    private const int NamesForResolverGroup = 4;

    private static Finding Background(NetAddress server, Group group) => new()
    {
        Code = FindingCodes.DnsBackgroundLookups,
        Severity = FindingSeverity.Info,
        Title = $"{FlowText.Count(group.Count, "background lookup", "background lookups")} to {server} missed or went unanswered ({string.Join(", ", group.Names.Take(3))}): context, not a fault",
        Verdict = $"Only background DNS lookups (reverse PTR lookups, proxy discovery) failed through {Resolver(server)}; no application waits on them.",
        Explanation = "Reverse lookups (in-addr.arpa, ip6.arpa) turn addresses into names for logs and tools, and wpad/isatap lookups look for a proxy or tunnel. "
            + "They are asked for every address, broadcast and private ones included, and NXDOMAIN is their normal answer. They do not make a connection fail.",
        NextStep = "Nothing to fix for these. If a tool is slow because its reverse lookups time out, give it the addresses without resolving (-n) or add PTR records in a Private DNS zone.",
        WiresharkFilter = $"dns.qry.name matches \"(in-addr|ip6)\\\\.arpa$|^(wpad|isatap)\\\\.\" && {FlowText.AddressField(server)}.addr=={server}",
        Packets = group.Packets,
        FlowCount = group.Count,
        FirstNanoseconds = group.First,
        LastNanoseconds = group.Last,
        Facts = new Dictionary<string, double> { ["lookups"] = group.Count },
        Weight = group.Count,
    };

    private static Group Record<TKey>(Dictionary<TKey, Group> groups, TKey key, long packetNumber, long nanoseconds, long queryPacket)
        where TKey : notnull
    {
        if (!groups.TryGetValue(key, out Group? group))
        {
            groups[key] = group = new Group { First = nanoseconds };
        }

        group.Count++;
        group.Last = Math.Max(group.Last, nanoseconds);
        foreach (long packet in (ReadOnlySpan<long>)[queryPacket, packetNumber])
        {
            if (packet > 0 && group.Packets.Count < MaxSamples)
            {
                group.Packets.Add(packet);
            }
        }

        return group;
    }

    private static string Resolver(NetAddress server) =>
        server.ToString() == AzureDns ? $"Azure DNS ({AzureDns})" : $"the DNS server {server}";

    private static string ResolverAdvice(NetAddress server) => server.ToString() == AzureDns
        ? "The VM uses Azure-provided DNS: names of private endpoints resolve only if the matching privatelink Private DNS zone is linked to this VNet; custom names need a Private DNS zone linked to the VNet."
        : $"The VM uses a custom DNS server ({server}), set on the VNet or NIC: check that it is reachable, forwards Azure names to 168.63.129.16 (conditional forwarders for privatelink zones) and can reach its upstream.";

    private static Finding Failure(byte code, string name, NetAddress server, Group group)
    {
        string codeName = DnsMessage.ResponseCodeName(code);
        string meaning = code switch
        {
            DnsMessage.NameError => $"the name {name} does not exist as far as {Resolver(server)} knows",
            DnsMessage.ServerFailure => $"{Resolver(server)} could not get an answer for {name} (its upstream failed or timed out, or DNSSEC validation failed)",
            _ => $"{Resolver(server)} refuses to answer queries for {name} from this client",
        };
        return new Finding
        {
            Code = FindingCodes.DnsFailure,
            Severity = FindingSeverity.Error,
            Title = $"DNS {codeName} for {name} from {server} ({FlowText.Count(group.Count, "response", "responses")})",
            Verdict = $"Name resolution fails: {meaning}.",
            Explanation = $"The application cannot connect to {name} because {meaning}. Every connection attempt to that name fails before a single packet goes to the service.",
            NextStep = (code == DnsMessage.NameError
                    ? "Check the spelling, and for Azure PaaS behind a private endpoint that the privatelink.* Private DNS zone has a record for it and is linked to the client's VNet. "
                    : code == DnsMessage.ServerFailure
                        ? "Check the resolver's upstream / forwarders and that they can reach the authoritative servers. "
                        : "Check the resolver's ACL (which client networks it serves) and its recursion settings. ")
                + ResolverAdvice(server),
            WiresharkFilter = $"dns.flags.rcode=={code} && dns.qry.name==\"{FilterString(name)}\"",
            Packets = group.Packets,
            FlowCount = group.Count,
            FirstNanoseconds = group.First,
            LastNanoseconds = group.Last,
            Facts = new Dictionary<string, double> { ["responses"] = group.Count, ["rcode"] = code },
            Weight = group.Count,
        };
    }

    private static Finding Failures(byte code, int names, NetAddress server, Group group)
    {
        string codeName = DnsMessage.ResponseCodeName(code);
        string examples = string.Join(", ", group.Names.Take(3)) + (names > 3 ? ", …" : string.Empty);
        return new Finding
        {
            Code = FindingCodes.DnsFailure,
            Severity = FindingSeverity.Error,
            Title = $"DNS {codeName} for {names} names from {server} ({FlowText.Count(group.Count, "response", "responses")}; {examples})",
            Verdict = $"Name resolution fails for {names} names at {Resolver(server)} ({codeName}: {examples}): look at the resolver and the zones it serves, not at each name.",
            Explanation = $"{Resolver(server)} answered {codeName} for {names} different names. When many names fail the same way at one resolver, "
                + "the cause is shared: a Private DNS zone that is not linked to the VNet, a conditional forwarder that is missing, or the resolver's upstream.",
            NextStep = (code == DnsMessage.NameError
                    ? "Look at what the names have in common (a privatelink.* zone, an on-premises domain) and check that zone's records and VNet link, or the forwarder for that domain. "
                    : "Check the resolver's upstream / forwarders and its ACL. ")
                + ResolverAdvice(server),
            WiresharkFilter = $"dns.flags.rcode=={code} && {FlowText.AddressField(server)}.src=={server}",
            Packets = group.Packets,
            FlowCount = group.Count,
            FirstNanoseconds = group.First,
            LastNanoseconds = group.Last,
            Facts = new Dictionary<string, double> { ["responses"] = group.Count, ["names"] = names, ["rcode"] = code },
            Weight = group.Count,
        };
    }

    private static Finding Unanswered(NetAddress server, Group group) => new()
    {
        Code = FindingCodes.DnsUnanswered,
        Severity = FindingSeverity.Error,
        Title = $"{FlowText.Count(group.Count, "DNS query", "DNS queries")} to {server} got no answer ({string.Join(", ", group.Names.Take(3))})",
        Verdict = $"DNS queries to {Resolver(server)} are not answered: name resolution times out.",
        Explanation = $"The client asked {Resolver(server)} and no response came back within the capture. Applications then wait for the resolver timeout (seconds) and fail.",
        NextStep = "Check that the DNS server is reachable on UDP/TCP 53 from this subnet (NSG, firewall, route) and running. " + ResolverAdvice(server),
        WiresharkFilter = $"dns && {FlowText.AddressField(server)}.addr=={server}",
        Packets = group.Packets,
        FlowCount = group.Count,
        FirstNanoseconds = group.First,
        LastNanoseconds = group.Last,
        Facts = new Dictionary<string, double> { ["queries"] = group.Count },
        EvidenceFlows = group.Evidence,
        Weight = group.Count,
    };

    private static Finding Slow(NetAddress server, Group group) => new()
    {
        Code = FindingCodes.DnsSlow,
        Severity = FindingSeverity.Warning,
        Title = $"{FlowText.Count(group.Count, "DNS answer", "DNS answers")} from {server} took over 500 ms (slowest {group.MaxLatencyNs / 1e6:0} ms)",
        Verdict = $"Name resolution through {Resolver(server)} is slow.",
        Explanation = $"Answers for {string.Join(", ", group.Names.Take(3))} took up to {group.MaxLatencyNs / 1e6:0} ms. Every new connection waits for this first.",
        NextStep = "Check the resolver's load and its forwarders' latency. " + ResolverAdvice(server),
        WiresharkFilter = $"dns.time > 0.5 && {FlowText.AddressField(server)}.src=={server}",
        Packets = group.Packets,
        FlowCount = group.Count,
        FirstNanoseconds = group.First,
        LastNanoseconds = group.Last,
        Facts = new Dictionary<string, double> { ["slowAnswers"] = group.Count, ["maxLatencyMs"] = Math.Round(group.MaxLatencyNs / 1e6, 3) },
        Weight = group.Count,
    };

    /// <summary>A name from the capture inside a display-filter string literal: escape what would end it.</summary>
    internal static string FilterString(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private readonly record struct Pending(long Nanoseconds, long PacketNumber, string Name, ushort Type);

    private sealed class Group
    {
        public long Count { get; set; }

        public long First { get; set; }

        public long Last { get; set; }

        public long MaxLatencyNs { get; set; }

        public List<long> Packets { get; } = [];

        private const int MaxNames = 10;

        /// <summary>The conversations of the queries (unanswered ones), so causes on the same flow can claim them.</summary>
        public List<EvidenceFlow> Evidence { get; } = [];

        public void AddEvidence(FlowKey key, long packet)
        {
            if (Evidence.Count < MaxSamples && !Evidence.Exists(e => e.Key == key))
            {
                Evidence.Add(new EvidenceFlow(key, packet, packet));
            }
        }

        public HashSet<string> Names { get; } = [];

        public void AddName(string name)
        {
            if (Names.Count < MaxNames)
            {
                Names.Add(name);
            }
        }
    }
}
