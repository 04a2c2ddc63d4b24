using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Path-MTU problems: ICMP fragmentation-needed / packet-too-big (PMTUD at work), the black hole
/// where full-size DF segments vanish while small ones pass and no ICMP comes back, and an MSS
/// too large for an Azure VPN tunnel.
/// </summary>
public sealed class MtuDetector : IDetector, IFlowObserver, IPacketObserver
{
    /// <summary>What fits an Azure VPN gateway tunnel (Microsoft recommends clamping TCP MSS to 1350).</summary>
    public const int VpnTunnelMss = 1350;

    private const int MaxSamples = 20;
    private readonly Dictionary<(string Reporter, int Mtu), (long Count, List<long> Packets, long First, long Last)> _mtuMessages = [];

    /// <summary>The flows whose packets each (reporter, MTU) sent back: what the MTU finding explains.</summary>
    private readonly Dictionary<(string Reporter, int Mtu), List<EvidenceFlow>> _quotedFlows = [];
    private readonly FlowGroup _blackholes = new();
    private readonly Dictionary<int, FlowGroup> _largeMss = [];

    public PacketInterest Interest => PacketInterest.Icmp;

    public void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds)
    {
        if (!packet.IsIcmp || packet.IcmpMtu <= 0)
        {
            return;
        }

        var key = (packet.Source.ToString(), packet.IcmpMtu);
        (long count, List<long> packets, long first, long last) = _mtuMessages.TryGetValue(key, out var existing)
            ? existing
            : (0, new List<long>(), timestampNanoseconds, timestampNanoseconds);
        if (packets.Count < MaxSamples)
        {
            packets.Add(packetNumber);
        }

        _mtuMessages[key] = (count + 1, packets, Math.Min(first, timestampNanoseconds), Math.Max(last, timestampNanoseconds));
    }

    public void OnFlowFinished(Flow flow)
    {
        if (!flow.IsTcp)
        {
            return;
        }

        bool icmpSeen = false;
        foreach (IcmpErrorEvent error in flow.IcmpErrors)
        {
            if (error.Mtu <= 0)
            {
                continue;
            }

            icmpSeen = true;
            var key = (error.Reporter.ToString(), error.Mtu);
            if (!_quotedFlows.TryGetValue(key, out List<EvidenceFlow>? flows))
            {
                _quotedFlows[key] = flows = [];
            }

            if (flows.Count < MaxSamples && !Contains(flows, flow.Key))
            {
                flows.Add(new EvidenceFlow(flow.Key, flow.FirstPacketNumber, flow.LastPacketNumber));
            }
        }
        foreach (bool fromOriginator in (ReadOnlySpan<bool>)[true, false])
        {
            ref readonly FlowDirection sender = ref fromOriginator ? ref flow.Originator : ref flow.Responder;
            ref readonly FlowDirection receiver = ref fromOriginator ? ref flow.Responder : ref flow.Originator;
            if (sender.LargeSegmentRetransmissions >= 2)
            {
                // Small segments got through (the receiver acknowledged something) but never the first large one.
                bool smallPassed = receiver.AckKnown && SequenceMath.Greater(receiver.LastAck, sender.InitialSequence + 1);
                bool largeNeverAcked = !SequenceMath.Greater(receiver.LastAck, sender.FirstLargeSegmentSequence);
                if (!icmpSeen && smallPassed && largeNeverAcked)
                {
                    _blackholes.Add(flow, sender.FirstRetransmissionPacket);
                    _blackholes.Accumulate("largeSegmentRetransmissions", sender.LargeSegmentRetransmissions);
                }
            }
        }

        foreach (int mss in (ReadOnlySpan<int>)[flow.Originator.Mss, flow.Responder.Mss])
        {
            if (mss > VpnTunnelMss)
            {
                if (!_largeMss.TryGetValue(mss, out FlowGroup? group))
                {
                    _largeMss[mss] = group = new FlowGroup();
                }

                group.Add(flow, flow.FirstPacketNumber);
            }
        }
    }

    /// <summary>A loop, not a lambda: a lambda capturing the flow would allocate on every finished flow.</summary>
    private static bool Contains(List<EvidenceFlow> flows, FlowKey key)
    {
        foreach (EvidenceFlow evidence in flows)
        {
            if (evidence.Key == key)
            {
                return true;
            }
        }

        return false;
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        foreach (((string reporter, int mtu), (long count, List<long> packets, long first, long last)) in _mtuMessages)
        {
            yield return new Finding
            {
                Code = FindingCodes.IcmpFragmentationNeeded,
                Severity = FindingSeverity.Warning,
                Title = $"{reporter} reports a path MTU of {mtu} bytes ({FlowText.Count(count, "ICMP message", "ICMP messages")})",
                Verdict = $"Packets larger than {mtu} bytes do not fit the path: {reporter} asks the sender to use smaller packets.",
                Explanation = $"A router or gateway at {reporter} could not forward a packet with the Don't-Fragment bit set because its next hop only carries {mtu} bytes, and said so with ICMP "
                    + "(fragmentation needed / packet too big). When the sender honours it (path-MTU discovery), traffic continues with smaller segments; if those ICMP messages are "
                    + "filtered anywhere on the way back, large transfers hang.",
                NextStep = $"Make sure ICMP type 3 code 4 (IPv4) and ICMPv6 type 2 are allowed back to the sender by NSGs and firewalls. On VPN paths set the tunnel MTU to 1400 and clamp TCP MSS to {VpnTunnelMss} "
                    + "on the on-premises device (and enable MSS clamping if the gateway supports it); for VMs lower the NIC MTU if needed.",
                WiresharkFilter = "(icmp.type==3 && icmp.code==4) || icmpv6.type==2",
                Packets = packets,
                FlowCount = count,
                FirstNanoseconds = first,
                LastNanoseconds = last,
                Facts = new Dictionary<string, double> { ["nextHopMtu"] = mtu, ["icmpMessages"] = count },
                EvidenceFlows = _quotedFlows.GetValueOrDefault((reporter, mtu)) ?? [],
                Weight = count,
            };
        }

        if (_blackholes.Count > 0)
        {
            yield return _blackholes.Describe(new Finding
            {
                Code = FindingCodes.MtuBlackhole,
                Severity = FindingSeverity.Error,
                Title = $"Full-size packets vanish while small ones pass, with no ICMP: MTU black hole ({FlowText.Count(_blackholes.Count, "flow", "flows")})",
                Verdict = "Large packets are silently dropped on the path (MTU black hole): small requests work, big responses or uploads hang.",
                Explanation = "Segments of 1200 bytes or more with the Don't-Fragment bit set were retransmitted again and again and never acknowledged, while the small segments before them were. "
                    + "Some link on the path has a smaller MTU and the ICMP 'fragmentation needed' message that should tell the sender never arrives (filtered, or never sent).",
                NextStep = $"On VPN or ExpressRoute paths set the tunnel MTU to 1400 and clamp TCP MSS to {VpnTunnelMss} on the on-premises device; allow ICMP type 3 code 4 back to the sender; "
                    + "as a quick test, lower the MTU of the sending VM's NIC (e.g. to 1350) and retry.",
                WiresharkFilter = "tcp.analysis.retransmission && tcp.len >= 1200 && ip.flags.df==1",
                Facts = new Dictionary<string, double> { ["flows"] = _blackholes.Count, ["largeSegmentRetransmissions"] = _blackholes.Sum("largeSegmentRetransmissions") },
                Weight = _blackholes.Count,
            });
        }

        // Only meaningful when the traffic does cross a VPN tunnel: the caller says so (gateway
        // captures), or the capture itself carries IPsec.
        bool tunnelInvolved = context.PathCrossesVpn || analysis.Capture.EspPackets + analysis.Capture.IkePackets > 0;
        if (!tunnelInvolved)
        {
            yield break;
        }

        // IPsec in the capture shows a tunnel near the capture point, not that these cleartext
        // connections use it (inside the tunnel they would be ESP): context, unless the caller
        // says the path crosses the VPN.
        bool confirmed = context.PathCrossesVpn;
        foreach ((int mss, FlowGroup group) in _largeMss)
        {
            yield return group.Describe(new Finding
            {
                Code = FindingCodes.MssExceedsTunnel,
                Severity = confirmed ? FindingSeverity.Warning : FindingSeverity.Info,
                Title = confirmed
                    ? $"TCP MSS {mss} advertised on a path that crosses a VPN tunnel (fits: {VpnTunnelMss}) — {FlowText.Count(group.Count, "connection", "connections")}"
                    : $"TCP MSS {mss} advertised in a capture that also carries IPsec: too large if these connections use the tunnel (fits: {VpnTunnelMss}) — {FlowText.Count(group.Count, "connection", "connections")}",
                Verdict = $"Connections negotiate segments of {mss} bytes, more than fits an Azure VPN tunnel ({VpnTunnelMss}).",
                Explanation = $"The SYN packets offer a maximum segment size of {mss} bytes. IPsec adds its own headers, so through an Azure VPN gateway only about {VpnTunnelMss} bytes of TCP payload fit in one packet. "
                    + "Unless MSS is clamped on the way, full-size segments are fragmented or dropped.",
                NextStep = $"Clamp TCP MSS to {VpnTunnelMss} and set the tunnel interface MTU to 1400 on the on-premises VPN device (Azure recommends both); check that the Azure side path does not block ICMP fragmentation-needed.",
                WiresharkFilter = $"tcp.options.mss_val > {VpnTunnelMss}",
                Facts = new Dictionary<string, double> { ["advertisedMss"] = mss, ["recommendedMss"] = VpnTunnelMss, ["connections"] = group.Count },
                Weight = group.Count,
            });
        }
    }
}
