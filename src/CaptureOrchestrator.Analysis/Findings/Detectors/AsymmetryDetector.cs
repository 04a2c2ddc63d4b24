using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Only one direction of a conversation is seen: return traffic takes another path, or a
/// stateful device drops it. Signatures: a one-way established stream, a SYN-ACK whose SYN took
/// another path, a SYN retried after its SYN-ACK left (the answer never arrived), and ping
/// answered while TCP to the same host is not.
/// </summary>
public sealed class AsymmetryDetector : IDetector, IFlowObserver
{
    private const int OneWayMinimumDataSegments = 5;

    /// <summary>A SYN-ACK plus this many packets in all, and nothing from the client.</summary>
    private const int OneWaySynAckPackets = 3;
    private const int MaxSamples = 1000;

    private readonly FlowGroup _oneWay = new();
    private readonly FlowGroup _lostSynAck = new();
    private readonly FlowGroup _synAckElsewhere = new();
    private readonly List<Flow> _synAckWithoutSyn = [];
    private readonly HashSet<NetAddress> _pingAnswered = [];
    private readonly Dictionary<NetAddress, FlowGroup> _tcpUnansweredByHost = [];

    public void OnFlowFinished(Flow flow)
    {
        if (flow.IsTcp)
        {
            ObserveTcp(flow);
        }
        else if (flow.Protocol is IpProtocol.Icmp or IpProtocol.Icmpv6 && flow.Originator.Packets > 0 && flow.Responder.Packets > 0)
        {
            if (_pingAnswered.Count < MaxSamples)
            {
                _pingAnswered.Add(flow.ResponderAddress);
            }
        }
    }

    private void ObserveTcp(Flow flow)
    {
        ref readonly FlowDirection orig = ref flow.Originator;
        ref readonly FlowDirection resp = ref flow.Responder;

        // Seen one way only. Without a handshake, a few data segments could be the tail of a
        // conversation the capture joined late, so it takes several; a server that sends its
        // SYN-ACK and then more while the client is never heard from is one-sided from the start
        // (the client must ACK a SYN-ACK, whenever the capture began).
        bool oneSided = orig.Packets == 0 || resp.Packets == 0;
        if (oneSided && !orig.SynSeen
            && (resp.SynAckSeen ? resp.Packets >= OneWaySynAckPackets : Math.Max(orig.DataSegments, resp.DataSegments) >= OneWayMinimumDataSegments))
        {
            _oneWay.Add(flow, flow.FirstPacketNumber);
        }

        if (orig.SynSeen && resp.Packets == 0 && orig.AckKnown && (orig.DataSegments > 0 || !orig.RstSeen))
        {
            // The client acknowledged a SYN-ACK that never passed this capture point. (A lone
            // RST+ACK is a client giving up, not evidence that a SYN-ACK arrived.)
            _synAckElsewhere.Add(flow, flow.FirstPacketNumber);
        }

        if (flow.SynRetriesAfterSynAck > 0 && flow.HandshakeNanoseconds < 0)
        {
            _lostSynAck.Add(flow, flow.FirstPacketNumber, flow.LastPacketNumber);
        }

        if (resp.SynAckSeen && !orig.SynSeen && !(oneSided && resp.Packets >= OneWaySynAckPackets) && _synAckWithoutSyn.Count < MaxSamples)
        {
            _synAckWithoutSyn.Add(flow.Snapshot());
        }

        if (flow.State == ConnectionState.S0 && orig.SynSeen)
        {
            if (!_tcpUnansweredByHost.TryGetValue(flow.ResponderAddress, out FlowGroup? group))
            {
                if (_tcpUnansweredByHost.Count >= MaxSamples)
                {
                    return;
                }

                _tcpUnansweredByHost[flow.ResponderAddress] = group = new FlowGroup();
            }

            group.Add(flow, flow.FirstPacketNumber);
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        if (_lostSynAck.Count > 0)
        {
            yield return Build(_lostSynAck, "the SYN-ACK was sent but never reached the client",
                $"The server answered with a SYN-ACK, yet the client kept sending its SYN again ({FlowText.Count(_lostSynAck.Count, "connection", "connections")}): "
                + "the answer left this capture point and was lost on the way back. Typical causes in Azure: a return route through a different firewall or NVA "
                + "(UDR on one subnet only) whose state table never saw the SYN and drops the SYN-ACK, or a stateful NVA dropping replies.",
                "tcp.flags.syn==1");
        }

        if (_synAckElsewhere.Count > 0)
        {
            yield return Build(_synAckElsewhere, "clients acknowledge SYN-ACKs this capture never saw",
                $"In {FlowText.Count(_synAckElsewhere.Count, "connection", "connections")} the client sent its SYN and then acknowledged the server's answer and sent data, "
                + "but no packet from the server passed this capture point. The server's replies take a different path back (or the capture only records one direction).",
                "tcp.flags.syn==1 || tcp.flags.ack==1");
        }

        if (_oneWay.Count > 0)
        {
            yield return Build(_oneWay, "only one direction of conversations is visible",
                $"{FlowText.Count(_oneWay.Count, "conversation shows", "conversations show")} packets in one direction only (data, or a SYN-ACK and what follows it, with nothing from the other side). "
                + "The other direction takes another path past this capture point: the routing is asymmetric. Stateful firewalls on such a path drop the traffic they see half of.",
                "tcp");
        }

        var synAckOnly = new FlowGroup();
        foreach (Flow flow in _synAckWithoutSyn.Where(f => !CaptureEdges.BeganBeforeCapture(f, analysis.Capture)))
        {
            synAckOnly.Add(flow, flow.FirstPacketNumber);
        }

        if (synAckOnly.Count > 0)
        {
            yield return Build(synAckOnly, "SYN-ACKs appear without the SYN they answer",
                "The server's SYN-ACK passes this capture point, but the client's SYN never did: the two directions of the connection use different paths.",
                "tcp.flags.syn==1 && tcp.flags.ack==1");
        }

        foreach ((NetAddress host, FlowGroup group) in _tcpUnansweredByHost)
        {
            if (_pingAnswered.Contains(host))
            {
                yield return Build(group, $"{host} answers ping but not TCP",
                    $"ICMP echo to {host} is answered, but TCP SYNs to it are not ({FlowText.Count(group.Count, "connection", "connections")}). "
                    + "The host is up and routable; a stateful device or filter passes ICMP and drops TCP (or its replies).",
                    $"{FlowText.AddressField(host)}.addr=={host} && (icmp || icmpv6 || tcp.flags.syn==1)");
            }
        }
    }

    private static Finding Build(FlowGroup group, string what, string explanation, string filter) => group.Describe(new Finding
    {
        Code = FindingCodes.AsymmetricRouting,
        Severity = FindingSeverity.Error,
        Title = $"Asymmetric path: {what}",
        Verdict = $"The path is asymmetric or a stateful device drops replies: {what}.",
        Explanation = explanation,
        NextStep = "Compare Network Watcher next hop in both directions (source VM → destination and destination VM → source) and the effective routes of both NICs; "
            + "a UDR sending one direction through Azure Firewall or an NVA must exist for the return direction too. Capture on both ends to see where the missing direction goes.",
        WiresharkFilter = filter,
        Facts = new Dictionary<string, double> { ["flows"] = group.Count },
        Weight = group.Count,
    });
}
