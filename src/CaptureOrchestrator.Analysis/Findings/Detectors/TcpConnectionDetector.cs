using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>Did the connection get through? Unanswered SYNs, refusals, resets mid-stream and idle-timeout resets.</summary>
public sealed class TcpConnectionDetector : IDetector, IFlowObserver
{
    private const int MaxGroups = 1000;
    private const int MaxUncertain = 10_000;

    private readonly Dictionary<(FlowKeyServer, string), FlowGroup> _groups = [];
    private readonly List<(FlowKeyServer Server, Flow Snapshot)> _uncertainSyns = [];
    private readonly List<Flow> _resets = [];
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(4);

    public void OnFlowFinished(Flow flow)
    {
        if (!flow.IsTcp)
        {
            return;
        }

        ConnectionState state = flow.State;
        var server = FlowKeyServer.Of(flow);
        switch (state)
        {
            // A client that ACKs after its SYN did get a SYN-ACK, on a path this capture does not see:
            // that is asymmetry (AsymmetryDetector), not an unanswered SYN.
            case ConnectionState.S0 when flow.Originator.SynSeen && flow.IcmpErrorCount == 0 && !flow.Originator.AckKnown:
                // A single SYN may just be cut off by the end of the capture: decide those at the end.
                // Beyond the bound they are counted (a capture with that many is no edge case).
                if (flow.Originator.Retransmissions > 0 || _uncertainSyns.Count >= MaxUncertain)
                {
                    AddToGroup(server, FindingCodes.TcpSynUnanswered, flow);
                }
                else
                {
                    _uncertainSyns.Add((server, flow.Snapshot()));
                }

                break;
            case ConnectionState.REJ:
                AddToGroup(server, FindingCodes.TcpConnectionRefused, flow);
                break;
            case ConnectionState.RSTO or ConnectionState.RSTR when flow.Originator.PayloadBytes + flow.Responder.PayloadBytes > 0:
                if (_resets.Count < MaxGroups)
                {
                    _resets.Add(flow.Snapshot());
                }

                break;
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        _idleTimeout = context.AzureIdleTimeout;
        long end = analysis.Capture.LastNanoseconds;
        foreach ((FlowKeyServer server, Flow flow) in _uncertainSyns)
        {
            if (!CaptureEdges.SynCutOffAtEnd(flow, end))
            {
                AddToGroup(server, FindingCodes.TcpSynUnanswered, flow);
            }
        }

        foreach (((FlowKeyServer server, string code), FlowGroup group) in _groups)
        {
            yield return code == FindingCodes.TcpSynUnanswered ? SynUnanswered(server, group) : Refused(server, group);
        }

        foreach (Flow flow in _resets)
        {
            yield return Reset(flow);
        }
    }

    private void AddToGroup(FlowKeyServer server, string code, Flow flow)
    {
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
