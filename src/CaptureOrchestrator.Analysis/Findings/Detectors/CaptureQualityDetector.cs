using CaptureOrchestrator.Analysis.Engine;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>Facts about the capture itself that change how the other findings should be read.</summary>
public sealed class CaptureQualityDetector : IDetector
{
    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        CaptureStatistics c = analysis.Capture;
        if (c.ReadError is { } damage)
        {
            // A warning, not context: whatever the rest says, nobody can call a capture healthy
            // when part of it is missing, so when nothing else is wrong the damage leads.
            yield return Info(FindingCodes.CaptureDamaged, $"The capture file is damaged at byte {damage.Offset}: {damage.Reason}",
                "The capture file ends early or is damaged; only the packets before the damage were analysed.",
                "A capture stopped while it was being written, an interrupted upload, or a damaged file. Everything before the damage is reliable; anything after it is missing.",
                "Download the file again; if it was taken with Network Watcher, check that the session stopped normally (its status shows the stop reason).",
                "frame", new Dictionary<string, double> { ["offset"] = damage.Offset, ["packetsRead"] = c.Packets }) with { Severity = FindingSeverity.Warning };
        }

        if (c.HeadersCutBySnapLength > 0)
        {
            yield return SnapLengthTooShort(c);
        }

        if (analysis.Flows.DuplicateFrames > 0)
        {
            yield return Info(FindingCodes.CaptureDuplicateFrames, $"{FlowText.Count(analysis.Flows.DuplicateFrames, "TCP frame was", "TCP frames were")} captured twice",
                "Some frames appear twice in the capture: an artifact of how it was taken, not retransmissions.",
                "Identical frames (same IP ID and TCP segment) were recorded twice within 100 µs. This happens when a capture sees the same packet on two interfaces or a mirror port duplicates it. "
                + "Wireshark would flag the copies as retransmissions and duplicate ACKs; they did not cross the network twice and are not counted as such here.",
                "Nothing to fix in the network. If it matters, capture on a single interface.",
                "tcp.analysis.retransmission || tcp.analysis.duplicate_ack", new Dictionary<string, double> { ["duplicateFrames"] = analysis.Flows.DuplicateFrames });
        }

        if (c.MalformedPackets > 0)
        {
            yield return Info(FindingCodes.MalformedPackets, $"{FlowText.Count(c.MalformedPackets, "packet is", "packets are")} malformed",
                "Some packets contradict their own headers.",
                "Malformed packets were counted and skipped: " + string.Join("; ", c.MalformedExamples.Take(3).Select(m => $"#{m.PacketNumber}: {m.Detail}")) + ".",
                "Usually harmless (a broken sender, corruption in the capture path, or deliberate scanning). If they come from one host, look at that host's network stack or NIC driver.",
                "_ws.malformed || _ws.expert.severity==error", new Dictionary<string, double> { ["malformedPackets"] = c.MalformedPackets },
                c.MalformedExamples.Take(20).Select(m => m.PacketNumber).ToList());
        }
    }

    /// <summary>
    /// Frames cut before the headers the analysis reads ended. When that is every frame, the file
    /// is not "without IP traffic": it holds traffic nobody can read, and the fix is the capture's
    /// own setting, so the report says exactly that, with the snap length.
    /// </summary>
    private static Finding SnapLengthTooShort(CaptureStatistics c)
    {
        int snap = c.Interfaces.Where(i => i.SnapLength > 0).Select(i => i.SnapLength).DefaultIfEmpty(0).Min();
        string at = snap > 0 ? $"at the snap length of {snap} bytes" : "by the capture's snap length";
        bool all = c.IpPackets == 0 || c.HeadersCutBySnapLength >= c.Packets;
        string their = c.HeadersCutBySnapLength == 1 ? "its" : "their";
        string cut = $"{FlowText.Count(c.HeadersCutBySnapLength, "frame was", "frames were")} cut {at}";
        var facts = new Dictionary<string, double> { ["framesWithHeadersCut"] = c.HeadersCutBySnapLength, ["packets"] = c.Packets };
        if (snap > 0)
        {
            facts["snapLength"] = snap;
        }

        return Info(FindingCodes.CaptureSnapLengthTooShort,
            all ? $"Every frame was cut {at}, before its IP and transport headers end ({FlowText.Count(c.Packets, "frame", "frames")})"
                : $"{cut}, before {their} IP or transport headers end",
            all ? $"The capture cannot be analysed: every frame was cut {at}, too short to hold the IP and TCP/UDP headers. Capture again with the full packet (or at least 128 bytes)."
                : $"Part of the capture cannot be analysed: {cut}, too short to hold {their} IP and TCP/UDP headers.",
            $"A snap length keeps only the first bytes of each frame. Ethernet, IPv4 and TCP headers alone take 54 bytes (more with VLAN tags, IPv6, tunnels or TCP options), "
                + $"so frames cut shorter cannot be assigned to a conversation. {cut}; {FlowText.Count(c.IpPackets, "packet was", "packets were")} readable.",
            "In Network Watcher packet capture set 'Maximum bytes per packet' to 0 (the whole packet) or at least 128; with tcpdump use -s 0 (or -s 128), with Wireshark/dumpcap remove the snapshot length limit.",
            "frame.cap_len < frame.len", facts) with { Severity = FindingSeverity.Warning, Weight = c.HeadersCutBySnapLength };
    }

    private static Finding Info(string code, string title, string verdict, string explanation, string nextStep, string filter, Dictionary<string, double> facts, IReadOnlyList<long>? packets = null) => new()
    {
        Code = code,
        Severity = FindingSeverity.Info,
        Title = title,
        Verdict = verdict,
        Explanation = explanation,
        NextStep = nextStep,
        WiresharkFilter = filter,
        Packets = packets ?? [],
        Facts = facts,
        Weight = 0,
    };
}
