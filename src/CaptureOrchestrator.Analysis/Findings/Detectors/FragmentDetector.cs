using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>IP fragmentation: fragments at all, out of order (Azure drops those), incomplete, overlapping.</summary>
public sealed class FragmentDetector : IDetector, IPacketObserver
{
    private const int MaxSamples = 20;
    private const string FragmentFilter = "ip.flags.mf==1 || ip.frag_offset>0 || ipv6.fragment";

    private readonly List<long> _packets = [];
    private readonly List<EvidenceFlow> _flows = [];
    private readonly HashSet<FlowKey> _seenFlows = [];
    private readonly List<long> _overlapPackets = [];
    private long _first = long.MaxValue;
    private long _last = long.MinValue;

    public PacketInterest Interest => PacketInterest.Fragments;

    public void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds)
    {
        if (!packet.IsFragment && !packet.CompletedReassembly && packet.Malformed != MalformedReason.FragmentOverlap)
        {
            return;
        }

        _first = Math.Min(_first, timestampNanoseconds);
        _last = Math.Max(_last, timestampNanoseconds);
        if (_packets.Count < MaxSamples)
        {
            _packets.Add(packetNumber);
        }

        if (packet.Malformed == MalformedReason.FragmentOverlap && _overlapPackets.Count < MaxSamples)
        {
            _overlapPackets.Add(packetNumber);
        }

        if (flow is not null && _flows.Count < MaxSamples && _seenFlows.Add(flow.Key))
        {
            _flows.Add(new EvidenceFlow(flow.Key, flow.FirstPacketNumber, long.MaxValue));
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        FragmentStatistics f = analysis.Fragments;
        if (f.FragmentFrames == 0)
        {
            yield break;
        }

        var facts = new Dictionary<string, double>
        {
            ["fragmentFrames"] = f.FragmentFrames,
            ["datagrams"] = f.Datagrams,
            ["reassembled"] = f.Reassembled,
            ["incomplete"] = f.Incomplete,
            ["outOfOrder"] = f.OutOfOrder,
            ["overlapping"] = f.Overlapping,
            ["duplicateFragments"] = f.DuplicateFragments,
        };

        yield return Build(FindingCodes.IpFragmentation, FindingSeverity.Info,
            $"{FlowText.Count(f.FragmentFrames, "IP fragment", "IP fragments")} in {FlowText.Count(f.Datagrams, "datagram", "datagrams")}",
            "Some packets were too large for the path and were split into IP fragments.",
            "Fragmentation works but costs performance, and many firewalls, load balancers and NAT devices handle fragments poorly: the later fragments carry no ports, "
            + "so port-based rules and load-balancer hashing cannot see them.",
            "Find the sender of the large packets (often UDP: DNS with EDNS, IKE with certificates, tunnels) and lower the packet size at the source, or the MTU along the path.",
            FragmentFilter, _packets, facts, f.FragmentFrames);

        if (f.OutOfOrder > 0)
        {
            yield return Build(FindingCodes.IpFragmentsOutOfOrder, FindingSeverity.Error,
                $"{FlowText.Count(f.OutOfOrder, "fragmented datagram arrived", "fragmented datagrams arrived")} with fragments out of order",
                "IP fragments arrive out of order, and Azure drops out-of-order fragments.",
                "The fragments of a datagram did not arrive in order. The Azure network does not forward out-of-order fragments to VMs (it cannot apply policy to a fragment before the first one with the ports), "
                + "so these datagrams are lost as a whole.",
                "Avoid fragmentation at the source: lower the MTU / packet size of the sender (or the on-premises device) so nothing needs fragmenting; for IKE enable IKE fragmentation; "
                + "for UDP applications reduce the payload size.",
                FragmentFilter, _packets, facts, f.OutOfOrder);
        }

        if (f.Incomplete > 0)
        {
            yield return Build(FindingCodes.IpFragmentsIncomplete, FindingSeverity.Warning,
                $"{FlowText.Count(f.Incomplete, "fragmented datagram", "fragmented datagrams")} never completed",
                "Fragments of some datagrams are missing: those datagrams are lost.",
                "At least one fragment of these datagrams never showed up in the capture (within 30 s, or before the capture ended). The receiver discards the rest, so the whole datagram is lost.",
                "Capture closer to the sender to see whether all fragments leave it; then avoid fragmentation by lowering the packet size at the source.",
                FragmentFilter, _packets, facts, f.Incomplete);
        }

        if (f.Overlapping > 0)
        {
            yield return Build(FindingCodes.IpFragmentOverlap, FindingSeverity.Warning,
                $"{FlowText.Count(f.Overlapping, "datagram has", "datagrams have")} overlapping fragments",
                "Some fragments overlap each other, which legitimate stacks do not produce.",
                "Overlapping fragments are a classic way to evade inspection (different devices reassemble them differently) or a sign of a broken middlebox.",
                "Identify the sender and treat it as suspicious; security devices drop such datagrams.",
                "ip.flags.mf==1 || ip.frag_offset>0", _overlapPackets, facts, f.Overlapping);
        }
    }

    private Finding Build(string code, FindingSeverity severity, string title, string verdict, string explanation, string nextStep, string filter, IReadOnlyList<long> packets, Dictionary<string, double> facts, double weight) => new()
    {
        Code = code,
        Severity = severity,
        Title = title,
        Verdict = verdict,
        Explanation = explanation,
        NextStep = nextStep,
        WiresharkFilter = filter,
        Packets = packets,
        FirstNanoseconds = _first,
        LastNanoseconds = _last,
        Facts = facts,
        EvidenceFlows = _flows,
        Weight = weight,
    };
}
