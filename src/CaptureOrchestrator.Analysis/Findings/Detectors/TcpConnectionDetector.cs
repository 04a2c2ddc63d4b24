using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Did the connection get through? Unanswered SYNs and refusals (grouped by server), port scans
/// (one finding per scanning source instead of one per probed port), resets mid-stream and
/// idle-timeout resets.
/// </summary>
public sealed class TcpConnectionDetector : IDetector, IFlowObserver
{
    private const int MaxGroups = 1000;

    /// <summary>Servers failing on one port from which the port, not each server, is the finding.</summary>
    private const int ServersForServiceGroup = 4;

    /// <summary>
    /// Failed attempts held until the end of the capture. Whether an attempt belongs to a scan is
    /// known only once its source has failed on enough ports, and a single SYN may just be cut off
    /// by the end of the capture. Beyond the bound, attempts are grouped as they come (a capture
    /// with that many is no edge case, and a scanner is recognised by then).
    /// </summary>
    private const int MaxDeferred = 20_000;

    private readonly Dictionary<(FlowKeyServer, string), FlowGroup> _groups = [];
    private readonly List<Deferred> _deferred = [];
    private readonly ScanTracker _scans = new();
    private readonly List<Flow> _resets = [];
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(4);

    public void OnFlowFinished(Flow flow)
    {
        if (!flow.IsTcp)
        {
            return;
        }

        ConnectionState state = flow.State;
        switch (state)
        {
            // A client that ACKs after its SYN did get a SYN-ACK, on a path this capture does not see:
            // that is asymmetry (AsymmetryDetector), not an unanswered SYN.
            case ConnectionState.S0 when flow.Originator.SynSeen && flow.IcmpErrorCount == 0 && !flow.Originator.AckKnown:
                _scans.Observe(flow, failed: true);
                Defer(flow, FindingCodes.TcpSynUnanswered, uncertain: flow.Originator.Retransmissions == 0);
                break;
            case ConnectionState.REJ:
                _scans.Observe(flow, failed: true);
                Defer(flow, FindingCodes.TcpConnectionRefused, uncertain: false);
                break;
            case ConnectionState.RSTO or ConnectionState.RSTR when flow.Originator.PayloadBytes + flow.Responder.PayloadBytes > 0:
                _scans.Observe(flow, failed: false);
                if (_resets.Count < MaxGroups)
                {
                    _resets.Add(flow.Snapshot());
                }

                break;
            default:
                _scans.Observe(flow, failed: false);
                break;
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        _idleTimeout = context.AzureIdleTimeout;
        long end = analysis.Capture.LastNanoseconds;
        foreach (Deferred attempt in _deferred)
        {
            if (_scans.IsScanner(attempt.Flow.OriginatorAddress))
            {
                _scans.AddEvidence(attempt.Flow);
            }
            else if (!attempt.Uncertain || !CaptureEdges.SynCutOffAtEnd(attempt.Flow, end))
            {
                AddToGroup(attempt.Code, attempt.Flow);
            }
        }

        foreach (Finding scan in _scans.Conclude())
        {
            yield return scan;
        }

        // One service failing on many servers is one problem on the path (outbound port blocked),
        // not many servers down: the engineer acts on the port, so group by it.
        foreach (var service in _groups.GroupBy(p => (p.Key.Item1.Port, p.Key.Item1.Protocol, Code: p.Key.Item2)))
        {
            if (service.Count() >= ServersForServiceGroup)
            {
                var merged = new FlowGroup();
                foreach (var server in service.OrderByDescending(p => p.Value.Count).ThenBy(p => p.Value.FirstNanoseconds))
                {
                    merged.Merge(server.Value);
                }

                List<FlowKeyServer> servers = service.OrderByDescending(p => p.Value.Count).Select(p => p.Key.Item1).ToList();
                yield return service.Key.Code == FindingCodes.TcpSynUnanswered ? SynUnansweredOnPort(servers, merged) : RefusedOnPort(servers, merged);
                continue;
            }

            foreach (((FlowKeyServer server, string code), FlowGroup group) in service)
            {
                yield return code == FindingCodes.TcpSynUnanswered ? SynUnanswered(server, group) : Refused(server, group);
            }
        }

        // Resets of many connections to one server the same way are one problem of that server.
        foreach (var same in _resets.Select(Reset).GroupBy(f => (f.Code, f.Flow!.Server)))
        {
            yield return same.Count() == 1 ? same.First() : SameServer(same.OrderByDescending(f => f.Weight).ToList());
        }
    }

    /// <summary>Several per-connection findings of one kind on one server as one: the strongest example, with counts and all evidence.</summary>
    private static Finding SameServer(List<Finding> findings)
    {
        Finding first = findings[0];
        string more = $"{findings.Count} connections to {first.Flow!.Server} ended this way";
        var facts = new Dictionary<string, double>(first.Facts) { ["connections"] = findings.Count };
        return first with
        {
            Title = $"{first.Title} — {more}",
            Verdict = $"{first.Verdict} {more}.",
            FlowCount = findings.Count,
            Packets = findings.SelectMany(f => f.Packets).Distinct().Take(20).ToList(),
            EvidenceFlows = findings.SelectMany(f => f.EvidenceFlows).Take(20).ToList(),
            FirstNanoseconds = findings.Min(f => f.FirstNanoseconds),
            LastNanoseconds = findings.Max(f => f.LastNanoseconds),
            Facts = facts,
            Weight = findings.Sum(f => f.Weight),
        };
    }

    /// <summary>Holds a failed attempt for <see cref="Conclude"/>, or places it now once the bound is reached.</summary>
    /// <param name="flow">The failed attempt (a snapshot is kept).</param>
    /// <param name="code">TCP_SYN_UNANSWERED or TCP_CONNECTION_REFUSED.</param>
    /// <param name="uncertain">A single SYN: it may be cut off by the end of the capture.</param>
    private void Defer(Flow flow, string code, bool uncertain)
    {
        if (_deferred.Count < MaxDeferred)
        {
            _deferred.Add(new Deferred(code, flow.Snapshot(), uncertain));
        }
        else if (_scans.IsScanner(flow.OriginatorAddress))
        {
            _scans.AddEvidence(flow);
        }
        else
        {
            AddToGroup(code, flow);
        }
    }

    private void AddToGroup(string code, Flow flow)
    {
        var server = FlowKeyServer.Of(flow);
        if (!_groups.TryGetValue((server, code), out FlowGroup? group))
        {
            if (_groups.Count >= MaxGroups)
            {
                return;
            }

            _groups[(server, code)] = group = new FlowGroup();
        }

        group.Add(flow, flow.FirstPacketNumber, flow.LastPacketNumber);
        group.Accumulate("synPackets", flow.Originator.Packets);  // S0: the originator sent only SYNs
        group.Accumulate("synRetransmissions", flow.Originator.Retransmissions);
    }

    private sealed record Deferred(string Code, Flow Flow, bool Uncertain);

    private static Finding SynUnanswered(FlowKeyServer server, FlowGroup group)
    {
        string target = server.Text;
        double attempts = group.Sum("synPackets");
        return group.Describe(new Finding
        {
            Code = FindingCodes.TcpSynUnanswered,
            Severity = FindingSeverity.Error,
            Title = $"Connection attempts to {target} get no answer ({FlowText.Count(group.Count, "connection", "connections")}, {FlowText.Count(attempts, "SYN", "SYNs")})",
            Verdict = $"Connections to {target} get no reply at all: the SYNs are dropped on the way or the server is not listening behind a silent filter.",
            Explanation = $"The client sent SYN packets to {target} and retried, but nothing came back — no SYN-ACK, no reset, no ICMP error. "
                + "Something on the path drops the packets silently (an NSG, a firewall, a route to nowhere), or the server is down or not reachable on that address.",
            NextStep = "Run Network Watcher IP flow verify for the VM and port (shows the NSG rule that denies), check Effective routes on the NIC "
                + "(a UDR sending traffic to a firewall/NVA), and query the Azure Firewall network rule / flow logs for this 5-tuple. "
                + "If the capture was taken on the client, capture on the server too: SYNs absent there mean the path drops them.",
            WiresharkFilter = $"{server.AddressField}.dst=={server.Address} && tcp.dstport=={server.Port} && tcp.flags.syn==1 && tcp.flags.ack==0",
            Facts = new Dictionary<string, double>
            {
                ["connections"] = group.Count,
                ["synPackets"] = attempts,
                ["synRetransmissions"] = group.Sum("synRetransmissions"),
                ["clients"] = group.DistinctClients,
            },
            Weight = attempts,
        });
    }

    private static Finding SynUnansweredOnPort(List<FlowKeyServer> servers, FlowGroup group)
    {
        ushort port = servers[0].Port;
        double attempts = group.Sum("synPackets");
        string examples = Examples(servers);
        return group.Describe(new Finding
        {
            Code = FindingCodes.TcpSynUnanswered,
            Severity = FindingSeverity.Error,
            Title = $"Connection attempts to TCP port {port} on {servers.Count} servers get no answer ({FlowText.Count(group.Count, "connection", "connections")}, {FlowText.Count(attempts, "SYN", "SYNs")}; {examples})",
            Verdict = $"Connections to TCP port {port} get no reply from any of {servers.Count} servers ({examples}): traffic to this port is dropped on the way — "
                + "look at the rule or route that all of them share, not at each server.",
            Explanation = $"SYNs to port {port} on {servers.Count} different servers all went unanswered — no SYN-ACK, no reset, no ICMP error. "
                + "So many servers being down at once is unlikely; a filter common to the path drops the port (an outbound NSG rule, Azure Firewall or an NVA without an allow rule, a UDR to an appliance that drops it).",
            NextStep = "From the client VM, check the NIC's effective security rules for outbound traffic on this port and its effective routes (a 0.0.0.0/0 UDR to a firewall or NVA); "
                + "query the Azure Firewall network/application rule logs for the denied port; Network Watcher IP flow verify and next hop for one of the servers name the rule and hop.",
            WiresharkFilter = $"tcp.dstport=={port} && tcp.flags.syn==1 && tcp.flags.ack==0",
            Facts = new Dictionary<string, double>
            {
                ["servers"] = servers.Count,
                ["connections"] = group.Count,
                ["synPackets"] = attempts,
                ["synRetransmissions"] = group.Sum("synRetransmissions"),
                ["clients"] = group.DistinctClients,
            },
            Weight = attempts,
        });
    }

    private static Finding RefusedOnPort(List<FlowKeyServer> servers, FlowGroup group)
    {
        ushort port = servers[0].Port;
        string examples = Examples(servers);
        return group.Describe(new Finding
        {
            Code = FindingCodes.TcpConnectionRefused,
            Severity = FindingSeverity.Error,
            Title = $"{servers.Count} servers refuse connections on TCP port {port}: SYN answered by RST ({FlowText.Count(group.Count, "attempt", "attempts")}; {examples})",
            Verdict = $"Connections to TCP port {port} are refused by {servers.Count} servers ({examples}): the service is not listening on that port anywhere the client tries, or a device in front of them rejects it.",
            Explanation = $"Every server tried answered the SYN for port {port} with a reset. One configuration shared by all of them is the likely cause: "
                + "the service runs on another port, is stopped on all instances, or a firewall or proxy in front of them rejects the port.",
            NextStep = "Check the port the clients are configured to use against the port the service listens on (netstat -ano / ss -ltn on one server); "
                + "behind an Azure Load Balancer or Application Gateway, check the backend port of the rule and the health probe.",
            WiresharkFilter = $"tcp.port=={port} && (tcp.flags.syn==1 || tcp.flags.reset==1)",
            Facts = new Dictionary<string, double> { ["servers"] = servers.Count, ["attempts"] = group.Count, ["clients"] = group.DistinctClients },
            Weight = group.Count,
        });
    }

    private static string Examples(List<FlowKeyServer> servers) =>
        string.Join(", ", servers.Take(3).Select(s => s.Address.ToString())) + (servers.Count > 3 ? ", …" : string.Empty);

    private static Finding Refused(FlowKeyServer server, FlowGroup group)
    {
        string target = server.Text;
        return group.Describe(new Finding
        {
            Code = FindingCodes.TcpConnectionRefused,
            Severity = FindingSeverity.Error,
            Title = $"{target} refuses connections: SYN answered by RST ({FlowText.Count(group.Count, "attempt", "attempts")})",
            Verdict = $"{target} actively refuses the connection (RST in answer to SYN): nothing listens on that port, or a firewall rejects it.",
            Explanation = $"The packets reach {target} (or a device in front of it), which answers the SYN with a reset. "
                + "Usually the service is not running or listens on another port or address; some firewalls also reject this way.",
            NextStep = "On the server, check that the service listens on this port and address (netstat -ano / ss -ltn) and that the guest OS firewall allows it. "
                + "If the server is behind an Azure Load Balancer, check the health probe and the backend port of the load-balancing rule.",
            WiresharkFilter = $"{server.AddressField}.addr=={server.Address} && tcp.port=={server.Port} && (tcp.flags.syn==1 || tcp.flags.reset==1)",
            Facts = new Dictionary<string, double> { ["attempts"] = group.Count, ["clients"] = group.DistinctClients },
            Weight = group.Count,
        });
    }

    private Finding Reset(Flow flow)
    {
        bool byClient = flow.FirstResetByOriginator;
        string resetter = byClient ? FlowText.Client(flow) : FlowText.Server(flow);
        string other = byClient ? FlowText.Server(flow) : FlowText.Client(flow);
        double idle = flow.IdleBeforeResetNanoseconds / 1e9;
        long bytes = flow.Originator.PayloadBytes + flow.Responder.PayloadBytes;
        bool idleTimeout = flow.IdleBeforeResetNanoseconds >= (long)_idleTimeout.TotalNanoseconds;
        var facts = new Dictionary<string, double>
        {
            ["bytesBeforeReset"] = bytes,
            ["idleSecondsBeforeReset"] = Math.Round(idle, 3),
            ["resetPacket"] = flow.FirstResetPacketNumber,
            ["resetByClient"] = byClient ? 1 : 0,
        };
        string filter = WiresharkFilter(flow);

        // The server closed first and the client sent a request anyway: the reset is the closed
        // socket answering, whatever the idle time. Checked before the idle timeout because a FIN
        // means the server, not Azure's connection tracking, ended the connection.
        if (flow.ResetAfterClose && !byClient)
        {
            double reuse = flow.ReuseAfterCloseNanoseconds / 1e9;
            facts["reuseSecondsAfterClose"] = Math.Round(reuse, 3);
            return FlowText.Describe(flow, flow.FirstResetPacketNumber, new Finding
            {
                Code = FindingCodes.TcpReusedAfterClose,
                Severity = FindingSeverity.Warning,
                Title = $"{FlowText.Client(flow)} reused its connection to {FlowText.Server(flow)} {FlowText.Seconds(reuse)} after the server closed it, and got a reset",
                Verdict = $"{FlowText.Server(flow)} closed the connection (FIN) and {FlowText.Client(flow)} sent a new request on it {FlowText.Seconds(reuse)} later, which the server answered with a reset: "
                    + "the client's connection pool keeps connections longer than the server's keep-alive timeout.",
                Explanation = "A FIN says the sender will send nothing more; once its socket is closed, any data that arrives is answered with a RST. "
                    + "HTTP keep-alive pools, database pools and gRPC channels that miss the FIN, or race with it, send the next request on the dead connection, "
                    + "and that request fails with 'connection reset by peer'. Neither the network nor an Azure idle timeout is involved: the server ended the connection.",
                NextStep = "Make the client's pooled-connection idle timeout shorter than the server's keep-alive timeout (e.g. SocketsHttpHandler.PooledConnectionIdleTimeout, "
                    + "the pool's idle/validation settings), or raise the server's keep-alive timeout (Kestrel KeepAliveTimeout, nginx keepalive_timeout, IIS connection timeout); "
                    + "and let the client retry idempotent requests once on a reset.",
                WiresharkFilter = filter,
                Facts = facts,
                Weight = bytes,
            });
        }

        if (idleTimeout)
        {
            return FlowText.Describe(flow, flow.FirstResetPacketNumber, new Finding
            {
                Code = FindingCodes.TcpIdleTimeoutReset,
                Severity = FindingSeverity.Error,
                Title = $"Connection {FlowText.Client(flow)} → {FlowText.Server(flow)} reset after {FlowText.Seconds(idle)} idle",
                Verdict = $"The connection to {FlowText.Server(flow)} was idle for {FlowText.Seconds(idle)} and then reset: the Azure Load Balancer / NAT idle timeout (4 minutes by default) dropped its state.",
                Explanation = "Azure Load Balancer, NAT gateway and instance-level public IPs forget an idle TCP connection after the idle timeout (4 minutes unless configured). "
                    + $"The next packet then finds no state and the connection is reset — here {resetter} reset it after {FlowText.Count(bytes, "byte", "bytes")} had been exchanged.",
                NextStep = "Either keep the connection busy (TCP keepalives or application heartbeats more often than every 4 minutes; e.g. connection pool validation) "
                    + "or raise the idle timeout on the load-balancing rule / outbound rule / NAT gateway / public IP (up to 100 minutes; 120 on NAT gateway), "
                    + "and enable 'TCP reset on idle' so both ends learn of it at once.",
                WiresharkFilter = filter,
                Facts = facts,
                Weight = idle,
            });
        }

        return FlowText.Describe(flow, flow.FirstResetPacketNumber, new Finding
        {
            Code = FindingCodes.TcpResetMidstream,
            Severity = FindingSeverity.Warning,
            Title = $"{resetter} reset the connection with {other} after {FlowText.Count(bytes, "byte", "bytes")} ({FlowText.Seconds(idle)} idle before)",
            Verdict = $"{resetter} aborted an established connection with {other} (RST after data).",
            Explanation = $"The connection was working — {FlowText.Count(bytes, "byte", "bytes")} of data were exchanged — when {resetter} sent a reset. "
                + "A reset from the server side usually means the application closed or crashed, refused the request, or a device in between (firewall, proxy) killed the session; "
                + "from the client side it usually means the application gave up (a timeout) or closed abruptly.",
            NextStep = "Check the application logs on the side that sent the RST at the reset time. If neither application reset it, a device in the path did: "
                + "capture on both VMs — a RST that appears on one side but was not sent by the other was injected in between (Azure Firewall, NVA, proxy); "
                + "check the Azure Firewall logs and NVA session tables for this 5-tuple.",
            WiresharkFilter = filter,
            Facts = facts,
            Weight = bytes,
        });
    }

    internal static string WiresharkFilter(Flow flow) => Reporting.WiresharkFilters.ForFlow(flow);
}

/// <summary>The server side of a flow (responder address, port, protocol): how failures are grouped.</summary>
internal readonly record struct FlowKeyServer(Decoding.NetAddress Address, ushort Port, byte Protocol)
{
    public static FlowKeyServer Of(Flow flow) => new(flow.ResponderAddress, flow.ResponderPort, flow.Protocol);

    public string Text => FlowText.Endpoint(Address, Port);

    public string AddressField => FlowText.AddressField(Address);
}
