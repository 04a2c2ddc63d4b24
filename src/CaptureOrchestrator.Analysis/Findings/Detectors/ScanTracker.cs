using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Which sources scan. A port scan makes hundreds of connection attempts fail, and reported one
/// server port at a time it buries the capture under errors that all say the same thing: someone
/// probed closed ports. An engineer sees one event — who scanned what, and which ports answered —
/// and reads the rest of the capture for the actual problem.
/// <para>
/// A source scans when its failed TCP attempts reach <see cref="PortsOnOneHost"/> distinct ports
/// on one host (a port scan), or <see cref="HostsOnOnePort"/> distinct hosts of one subnet on one
/// port (a sweep). Legitimate clients retry the few services they use; they do not try fifteen
/// ports of one machine or every address of a LAN. Failures spread over unrelated public
/// addresses (egress blocked for a whole application) are not a sweep, so hosts are counted per
/// subnet. Only TCP is judged: a UDP probe and a UDP request that gets no answer look the same.
/// </para>
/// </summary>
internal sealed class ScanTracker
{
    public const int PortsOnOneHost = 15;
    public const int HostsOnOnePort = 25;

    /// <summary>Sources followed. Beyond this, new sources are not judged (a spoofed flood has millions).</summary>
    private const int MaxSources = 4096;

    /// <summary>Distinct failed targets kept for a source not (yet) judged a scanner: enough to cross either threshold.</summary>
    private const int MaxTargetsBeforeScan = 256;

    /// <summary>Distinct failed targets counted for a scanner: a full port range of one host.</summary>
    private const int MaxTargetsOfScanner = 65_536;

    private const int MaxOpenTargets = 64;

    private readonly Dictionary<NetAddress, Source> _sources = [];

    /// <summary>Counts a TCP connection attempt of <paramref name="flow"/>'s originator, failed or answered.</summary>
    public void Observe(Flow flow, bool failed)
    {
        if (!flow.Originator.SynSeen)
        {
            return; // not an attempt this capture saw start
        }

        if (!_sources.TryGetValue(flow.OriginatorAddress, out Source? source))
        {
            if (_sources.Count >= MaxSources)
            {
                return;
            }

            _sources[flow.OriginatorAddress] = source = new Source();
        }

        var target = new Target(flow.ResponderAddress, flow.ResponderPort);
        if (!failed)
        {
            if (flow.Responder.SynAckSeen && source.Open.Count < MaxOpenTargets)
            {
                source.Open.Add(target);
            }

            return;
        }

        source.Attempts++;
        if (flow.State == ConnectionState.REJ)
        {
            source.Refused++;
        }

        int limit = source.Scan is null ? MaxTargetsBeforeScan : MaxTargetsOfScanner;
        if (source.Failed.Count < limit && source.Failed.Add(target) && source.Scan is null && source.Failed.Count >= PortsOnOneHost)
        {
            source.Scan = Judge(source.Failed);
        }
    }

    public bool IsScanner(NetAddress address) => _sources.TryGetValue(address, out Source? source) && source.Scan is not null;

    /// <summary>Adds a failed flow of a scanner to its evidence.</summary>
    public void AddEvidence(Flow flow) => _sources[flow.OriginatorAddress].Evidence.Add(flow, flow.FirstPacketNumber, flow.LastPacketNumber);

    public IEnumerable<Finding> Conclude()
    {
        foreach ((NetAddress scanner, Source source) in _sources)
        {
            if (source.Scan is { } scan)
            {
                yield return Describe(scanner, source, Judge(source.Failed) ?? scan);
            }
        }
    }

    /// <summary>The scan these failed targets show, or null. The larger pattern wins when both apply.</summary>
    private static Pattern? Judge(HashSet<Target> failed)
    {
        (NetAddress Host, int Ports) vertical = failed.GroupBy(t => t.Host).Select(g => (g.Key, g.Count())).MaxBy(p => p.Item2);
        var sweep = failed.GroupBy(t => (t.Port, t.Host.Subnet)).Select(g => (g.Key.Port, g.Key.Subnet, Hosts: g.Count())).MaxBy(p => p.Hosts);
        if (vertical.Ports >= PortsOnOneHost && vertical.Ports >= sweep.Hosts)
        {
            return new Pattern(Sweep: false, vertical.Host, 0, vertical.Ports);
        }

        return sweep.Hosts >= HostsOnOnePort ? new Pattern(Sweep: true, sweep.Subnet, sweep.Port, sweep.Hosts) : null;
    }

    private static Finding Describe(NetAddress scanner, Source source, Pattern scan)
    {
        string prefix = scan.Sweep ? scan.Target.SubnetText : scan.Target.ToString();
        List<Target> open = source.Open
            .Where(t => scan.Sweep ? t.Port == scan.Port && t.Host.Subnet == scan.Target : t.Host == scan.Target)
            .OrderBy(t => t.Host).ThenBy(t => t.Port).ToList();
        string openText = open.Count == 0 ? "none answered"
            : scan.Sweep ? $"{FlowText.Count(open.Count, "host", "hosts")} answered ({string.Join(", ", open.Take(5).Select(t => t.Host))}{(open.Count > 5 ? ", …" : string.Empty)})"
            : $"open: {string.Join(", ", open.Take(8).Select(t => t.Port))}{(open.Count > 8 ? ", …" : string.Empty)}";
        long unanswered = source.Attempts - source.Refused;
        int probed = scan.Count + open.Count(t => !source.Failed.Contains(t)); // closed or filtered, plus open
        string what = scan.Sweep
            ? $"swept {FlowText.Count(probed, "host", "hosts")} of {prefix} on TCP port {scan.Port}"
            : $"scanned {FlowText.Count(probed, "TCP port", "TCP ports")} of {prefix}";
        string filter = $"{FlowText.AddressField(scanner)}.src=={scanner} && tcp.flags.syn==1 && tcp.flags.ack==0";
        return source.Evidence.Describe(new Finding
        {
            Code = FindingCodes.PortScan,
            Severity = FindingSeverity.Warning,
            Title = $"{scanner} {what} ({unanswered:N0} unanswered, {source.Refused:N0} refused; {openText})",
            Verdict = $"{scanner} {what}: the failed connections from it are the scan probing closed or filtered ports, not a service outage.",
            Explanation = $"{scanner} made {FlowText.Count(source.Attempts, "connection attempt", "connection attempts")} that failed, to "
                + (scan.Sweep ? $"many addresses of {prefix} on the same port" : $"many ports of {prefix}")
                + ". Closed ports answer a SYN with a reset, filtered ones with nothing; open ones answer with a SYN-ACK "
                + $"({openText}). Vulnerability scanners (Microsoft Defender for Cloud, Qualys, Nessus), monitoring tools and attackers all look like this. "
                + "These failures are reported here once instead of once per port.",
            NextStep = $"Find out who owns {scanner}. If it is an approved scanner, this is expected: leave it out of the capture filter next time and read the other findings. "
                + "If no one does, treat it as a security incident: check Microsoft Defender for Cloud alerts and NSG / VNet flow logs for this source, "
                + $"and tighten the NSG rules that let it reach {prefix}.",
            WiresharkFilter = filter,
            Facts = new Dictionary<string, double>
            {
                [scan.Sweep ? "hosts" : "ports"] = probed,
                ["failedTargets"] = source.Failed.Count,
                ["attempts"] = source.Attempts,
                ["unanswered"] = unanswered,
                ["refused"] = source.Refused,
                ["open"] = open.Count,
            },
            Weight = source.Attempts,
            CoversOriginators = [scanner],
        });
    }

    private readonly record struct Target(NetAddress Host, ushort Port);

    /// <param name="Sweep">Many hosts on one port (else many ports on one host).</param>
    /// <param name="Target">The scanned host, or the swept subnet.</param>
    /// <param name="Port">The swept port (sweeps only).</param>
    /// <param name="Count">Distinct ports (scan) or hosts (sweep).</param>
    private sealed record Pattern(bool Sweep, NetAddress Target, ushort Port, int Count);

    private sealed class Source
    {
        public readonly HashSet<Target> Failed = [];
        public readonly HashSet<Target> Open = [];
        public readonly FlowGroup Evidence = new();
        public long Attempts;
        public long Refused;
        public Pattern? Scan;
    }
}
