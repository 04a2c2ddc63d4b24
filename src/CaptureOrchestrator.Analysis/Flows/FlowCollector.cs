using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Keeps what the report needs from finished flows in bounded memory: totals for all of them,
/// and the flows worth showing (failed ones first, then the largest).
/// </summary>
public sealed class FlowCollector : IFlowObserver
{
    private readonly int _keep;
    private readonly List<Flow> _failed = [];
    private readonly PriorityQueue<Flow, long> _largest = new();
    private readonly Dictionary<ConnectionState, long> _tcpStates = [];

    public FlowCollector(int keep)
    {
        _keep = Math.Max(1, keep);
    }

    public long Flows { get; private set; }

    public long TcpFlows { get; private set; }

    public long UdpFlows { get; private set; }

    public long IcmpFlows { get; private set; }

    public long OtherFlows { get; private set; }

    public long FailedTcpConnections { get; private set; }

    /// <summary>Failed flows not kept because <c>keep</c> were already held.</summary>
    public long FailedNotKept { get; private set; }

    public long Retransmissions { get; private set; }

    public long OutOfOrder { get; private set; }

    public long DuplicateAcks { get; private set; }

    public long ZeroWindows { get; private set; }

    public long DuplicateFrames { get; private set; }

    public long KeepAlives { get; private set; }

    /// <summary>TCP conversations with a SYN but no SYN-ACK, no RST (tshark's "silent" streams).</summary>
    public long SynWithoutSynAckSilent { get; private set; }

    /// <summary>TCP conversations with a SYN but no SYN-ACK, answered by a RST.</summary>
    public long SynWithoutSynAckReset { get; private set; }

    public IReadOnlyDictionary<ConnectionState, long> TcpStates => _tcpStates;

    /// <summary>UDP requests to a request/response service that were sent again and never answered (<see cref="IsUnansweredUdpRequest"/>).</summary>
    public long UnansweredUdpRequests { get; private set; }

    /// <summary>Failed TCP connections plus unanswered UDP requests: every flow a report must account for.</summary>
    public long FailedFlows => FailedTcpConnections + UnansweredUdpRequests;

    /// <summary>The failed flows kept (up to <c>keep</c>), in capture order.</summary>
    public IEnumerable<Flow> KeptFailedFlows => _failed.Where(IsFailed).OrderBy(f => f.FirstPacketNumber);

    public void OnFlowFinished(Flow flow)
    {
        Flows++;
        switch (flow.Protocol)
        {
            case IpProtocol.Tcp:
                TcpFlows++;
                ConnectionState state = flow.State;
                _tcpStates[state] = _tcpStates.GetValueOrDefault(state) + 1;
                if (state.IsFailure())
                {
                    FailedTcpConnections++;
                }

                if ((flow.Originator.SynSeen || flow.Responder.SynSeen) && !flow.Originator.SynAckSeen && !flow.Responder.SynAckSeen)
                {
                    if (flow.Originator.RstSeen || flow.Responder.RstSeen)
                    {
                        SynWithoutSynAckReset++;
                    }
                    else
                    {
                        SynWithoutSynAckSilent++;
                    }
                }

                break;
            case IpProtocol.Udp:
                UdpFlows++;
                if (IsUnansweredUdpRequest(flow))
                {
                    UnansweredUdpRequests++;
                }

                break;
            case IpProtocol.Icmp:
            case IpProtocol.Icmpv6:
                IcmpFlows++;
                break;
            default:
                OtherFlows++;
                break;
        }

        Retransmissions += flow.Originator.Retransmissions + flow.Responder.Retransmissions;
        OutOfOrder += flow.Originator.OutOfOrder + flow.Responder.OutOfOrder;
        DuplicateAcks += flow.Originator.DuplicateAcks + flow.Responder.DuplicateAcks;
        ZeroWindows += flow.Originator.ZeroWindows + flow.Responder.ZeroWindows;
        DuplicateFrames += flow.Originator.DuplicateFrames + flow.Responder.DuplicateFrames;
        KeepAlives += flow.Originator.KeepAlives + flow.Responder.KeepAlives;

        if (IsProblem(flow))
        {
            if (_failed.Count < _keep)
            {
                _failed.Add(flow.Snapshot());
            }
            else
            {
                FailedNotKept++;
            }

            return;
        }

        if (_largest.Count < _keep)
        {
            _largest.Enqueue(flow.Snapshot(), flow.TotalIpBytes);
        }
        else if (_largest.TryPeek(out _, out long smallest) && flow.TotalIpBytes > smallest)
        {
            _largest.DequeueEnqueue(flow.Snapshot(), flow.TotalIpBytes);
        }
    }

    /// <summary>Flows to show: problems first (in capture order), then the largest by bytes.</summary>
    public IReadOnlyList<Flow> NotableFlows(int limit)
    {
        var result = new List<Flow>(Math.Min(limit, _failed.Count + _largest.Count));
        foreach (Flow flow in _failed.OrderBy(f => f.FirstPacketNumber))
        {
            if (result.Count == limit)
            {
                return result;
            }

            result.Add(flow);
        }

        foreach (Flow flow in _largest.UnorderedItems.Select(i => i.Element).OrderByDescending(f => f.TotalIpBytes).ThenBy(f => f.FirstPacketNumber))
        {
            if (result.Count == limit)
            {
                break;
            }

            result.Add(flow);
        }

        return result;
    }

    private static bool IsProblem(Flow flow) =>
        IsFailed(flow) || flow.IcmpErrorCount > 0 || flow.Retransmissions > 0
        || flow.Originator.ZeroWindows + flow.Responder.ZeroWindows > 0;

    /// <summary>A TCP connection in a failed state, or an unanswered UDP request.</summary>
    public static bool IsFailed(Flow flow) => flow.IsTcp ? flow.State.IsFailure() : IsUnansweredUdpRequest(flow);

    /// <summary>
    /// UDP has no handshake, and one-way UDP is normal for many services (syslog, streaming,
    /// VXLAN, NAT keepalives). A failure is a request to a service that always answers — IKE,
    /// Kerberos, NTP, RADIUS — sent at least twice with nothing back. DNS is judged per query by the
    /// DNS analysis (which also knows background lookups), not per flow.
    /// </summary>
    public static bool IsUnansweredUdpRequest(Flow flow) =>
        flow.Protocol == IpProtocol.Udp && flow.Responder.Packets == 0 && flow.Originator.Packets >= 2
        && ServicePorts.AlwaysAnswersOverUdp(flow.ResponderPort);
}
