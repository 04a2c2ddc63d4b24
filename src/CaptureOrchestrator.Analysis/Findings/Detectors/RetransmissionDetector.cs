using System.Globalization;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Loss and a struggling receiver: retransmission rate per flow and its pattern (RTO backoff,
/// spurious resends, duplicate-ACK storms), and zero windows.
/// </summary>
public sealed class RetransmissionDetector : IDetector, IFlowObserver
{
    /// <summary>A flow is reported at 3+ retransmissions that are at least 2 % of its data segments.</summary>
    private const int MinimumRetransmissions = 3;
    private const double MinimumRate = 0.02;
    private const int DuplicateAckStorm = 20;
    private const int Reported = 5;

    private readonly TopFlows _lossy = new(Reported);
    private readonly TopFlows _zeroWindow = new(Reported);
    private long _lossyFlows;
    private long _zeroWindowFlows;

    public void OnFlowFinished(Flow flow)
    {
        if (!flow.IsTcp)
        {
            return;
        }

        foreach (bool fromOriginator in (ReadOnlySpan<bool>)[true, false])
        {
            ref readonly FlowDirection d = ref fromOriginator ? ref flow.Originator : ref flow.Responder;
            if (d.DataSegments > 0 && d.Retransmissions >= MinimumRetransmissions && (double)d.Retransmissions / d.DataSegments >= MinimumRate)
            {
                _lossyFlows++;
                _lossy.Offer(flow, d.Retransmissions);
                break;
            }
        }

        if (flow.Originator.ZeroWindows + flow.Responder.ZeroWindows > 0 || WindowLimited(flow.Originator) || WindowLimited(flow.Responder))
        {
            _zeroWindowFlows++;
            _zeroWindow.Offer(flow, flow.Originator.ZeroWindows + flow.Responder.ZeroWindows + flow.Originator.WindowFullSegments + flow.Responder.WindowFullSegments);
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        foreach ((Flow flow, _) in _lossy.Descending())
        {
            yield return Retransmissions(flow, _lossyFlows);
        }

        foreach ((Flow flow, _) in _zeroWindow.Descending())
        {
            yield return ZeroWindow(flow, _zeroWindowFlows);
        }
    }

    private static Finding Retransmissions(Flow flow, long lossyFlows)
    {
        bool originatorSends = (double)flow.Originator.Retransmissions / Math.Max(1, flow.Originator.DataSegments)
            >= (double)flow.Responder.Retransmissions / Math.Max(1, flow.Responder.DataSegments);
        ref readonly FlowDirection sender = ref originatorSends ? ref flow.Originator : ref flow.Responder;
        ref readonly FlowDirection receiver = ref originatorSends ? ref flow.Responder : ref flow.Originator;
        string from = originatorSends ? FlowText.Client(flow) : FlowText.Server(flow);
        string to = originatorSends ? FlowText.Server(flow) : FlowText.Client(flow);
        double rate = (double)sender.Retransmissions / sender.DataSegments;
        string percent = rate.ToString("P1", CultureInfo.InvariantCulture);

        var patterns = new List<string>();
        if (sender.BackoffSeen || sender.MaxResendsOfOneSegment >= 3)
        {
            patterns.Add($"one segment was sent {sender.MaxResendsOfOneSegment + 1} times with growing gaps (retransmission-timeout backoff: nothing at all came back for a while)");
        }

        if (sender.SpuriousRetransmissions > 0)
        {
            patterns.Add($"{sender.SpuriousRetransmissions} were spurious (the data had already been acknowledged: the ACKs are delayed or lost, not the data)");
        }

        if (receiver.DuplicateAcks >= DuplicateAckStorm)
        {
            patterns.Add($"{receiver.DuplicateAcks} duplicate ACKs from the receiver (a burst of loss followed by fast retransmission)");
        }

        return FlowText.Describe(flow, sender.FirstRetransmissionPacket, new Finding
        {
            Code = FindingCodes.TcpRetransmissions,
            Severity = rate >= 0.1 || sender.BackoffSeen ? FindingSeverity.Error : FindingSeverity.Warning,
            Title = $"{percent} of the segments {from} sent to {to} were retransmitted ({sender.Retransmissions} of {sender.DataSegments})",
            Verdict = $"Packets between {from} and {to} are being lost: {percent} of segments had to be sent again.",
            Explanation = $"TCP resent {sender.Retransmissions} of {sender.DataSegments} data segments from {from}. Retransmissions mean packets (or their acknowledgements) were lost on the way; "
                + "every loss costs at least one round trip, and timeouts cost seconds. "
                + (patterns.Count > 0 ? "Pattern: " + string.Join("; ", patterns) + "." : "No timeout backoff was seen: losses were recovered quickly.")
                + (lossyFlows > 1 ? $" {lossyFlows} flows in this capture show the same." : string.Empty),
            NextStep = "Check whether the VMs' network bandwidth limit is reached (VM size; Azure Monitor 'Network Out Total' and 'Outbound flows' metrics), whether an NVA or Azure Firewall in the path is at capacity, "
                + "and on VPN/ExpressRoute paths the tunnel's bandwidth and drop counters. Capture on both ends to see on which side the packets disappear.",
            WiresharkFilter = TcpConnectionDetector.WiresharkFilter(flow) + " && (tcp.analysis.retransmission || tcp.analysis.duplicate_ack)",
            Facts = new Dictionary<string, double>
            {
                ["retransmissions"] = sender.Retransmissions,
                ["dataSegments"] = sender.DataSegments,
                ["retransmissionRate"] = Math.Round(rate, 4),
                ["spuriousRetransmissions"] = sender.SpuriousRetransmissions,
                ["maxResendsOfOneSegment"] = sender.MaxResendsOfOneSegment,
                ["largeSegmentRetransmissions"] = sender.LargeSegmentRetransmissions,
                ["duplicateAcks"] = receiver.DuplicateAcks,
                ["flowsWithLoss"] = lossyFlows,
            },
            Weight = sender.Retransmissions,
        });
    }

    /// <summary>The sender keeps filling the receiver's window: ≥ 10 times and ≥ 5 % of its segments.</summary>
    private static bool WindowLimited(in FlowDirection sender) =>
        sender.WindowFullSegments >= 10 && sender.WindowFullSegments * 20 >= sender.DataSegments;

    private static Finding ZeroWindow(Flow flow, long zeroWindowFlows)
    {
        // The receiver is the side that advertised zero windows, or whose window the peer kept filling.
        int originatorScore = flow.Originator.ZeroWindows + flow.Responder.WindowFullSegments;
        int responderScore = flow.Responder.ZeroWindows + flow.Originator.WindowFullSegments;
        bool originatorReceives = originatorScore >= responderScore;
        ref readonly FlowDirection receiver = ref originatorReceives ? ref flow.Originator : ref flow.Responder;
        ref readonly FlowDirection sender = ref originatorReceives ? ref flow.Responder : ref flow.Originator;
        string who = originatorReceives ? FlowText.Client(flow) : FlowText.Server(flow);
        string peer = originatorReceives ? FlowText.Server(flow) : FlowText.Client(flow);
        string title = receiver.ZeroWindows > 0
            ? $"{who} advertised a zero receive window {FlowText.Count(receiver.ZeroWindows, "time", "times")}"
            : $"{peer} filled {who}'s receive window {FlowText.Count(sender.WindowFullSegments, "time", "times")} (window full)";
        return FlowText.Describe(flow, receiver.ZeroWindows > 0 ? receiver.FirstZeroWindowPacket : flow.FirstPacketNumber, new Finding
        {
            Code = FindingCodes.TcpZeroWindow,
            Severity = FindingSeverity.Warning,
            Title = title,
            Verdict = $"{who} cannot keep up: its receive buffer filled and {peer} had to stop sending.",
            Explanation = receiver.ZeroWindows > 0
                ? $"A zero window means {who}'s TCP receive buffer is full because its application is not reading the data fast enough. "
                    + "The network is not the bottleneck here: the receiving application (or the VM's CPU or disk) is."
                : $"{peer} repeatedly sent exactly up to the edge of the window {who} advertised and then had to wait: the receive window, not the network, limits the transfer "
                    + "(a slow reader, or a receive buffer too small for this round-trip time).",
            NextStep = $"Look at {who}'s application and VM: CPU, memory and disk metrics at that time, thread pool starvation, a slow consumer; "
                + "check the receive buffer / TCP window auto-tuning settings of its OS. Resizing the VM or tuning the application helps; changing the network does not.",
            WiresharkFilter = TcpConnectionDetector.WiresharkFilter(flow) + " && (tcp.analysis.zero_window || tcp.analysis.window_full)",
            Facts = new Dictionary<string, double> { ["zeroWindows"] = receiver.ZeroWindows, ["windowFullSegments"] = sender.WindowFullSegments, ["flowsWithZeroWindow"] = zeroWindowFlows },
            Weight = receiver.ZeroWindows,
        });
    }
}
