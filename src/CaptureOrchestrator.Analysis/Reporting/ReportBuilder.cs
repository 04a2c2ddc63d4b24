using System.Reflection;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Reporting;

/// <summary>Turns a <see cref="CaptureAnalysis"/> into the versioned report model.</summary>
public static class ReportBuilder
{
    public static string GeneratorName { get; } =
        "CaptureOrchestrator " + (typeof(ReportBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0");

    public static AnalysisReport Build(DiagnosisResult diagnosis, SourceInfo source, int maxFlows)
    {
        CaptureAnalysis analysis = diagnosis.Analysis;
        IReadOnlyList<Flow> shown = analysis.Flows.NotableFlows(maxFlows);
        return new AnalysisReport
        {
            Generator = GeneratorName,
            Verdict = diagnosis.Verdict,
            Source = source,
            Capture = BuildCapture(analysis),
            FlowSummary = BuildSummary(analysis, shown.Count),
            Flows = shown.Select(BuildFlow).ToList(),
            ApplicationLayer = new ApplicationLayerReport
            {
                Dns = new DnsReport(diagnosis.Dns.Queries, diagnosis.Dns.Responses, diagnosis.Dns.ResponsesByCode.OrderBy(p => p.Key).ToDictionary(), diagnosis.Dns.Unanswered, Math.Round(diagnosis.Dns.MaxLatencyMs, 3)),
                Tls = new TlsReport(diagnosis.Tls.Conversations, diagnosis.Tls.ClientHellos, diagnosis.Tls.AlertFrames, diagnosis.Tls.AlertsByDescription.OrderBy(p => p.Key).ToDictionary(),
                    diagnosis.Tls.EncryptedAlerts, diagnosis.Tls.CertificateMessages, diagnosis.Tls.UnreadableCertificates, diagnosis.Tls.Tls13Handshakes),
            },
            Findings = diagnosis.Findings.Select((f, i) => BuildFinding(f, i + 1)).ToList(),
        };
    }

    public static FindingReport BuildFinding(Finding finding, int rank) => new()
    {
        Rank = rank,
        Code = finding.Code,
        Severity = finding.Severity.Name(),
        Title = finding.Title,
        Explanation = finding.Explanation,
        Evidence = new EvidenceReport
        {
            Flow = finding.Flow is { } flow ? new FlowReferenceReport(flow.Protocol, flow.Client, flow.Server) : null,
            FlowCount = finding.FlowCount,
            Packets = finding.Packets,
            FirstTimestamp = finding.FirstNanoseconds is > 0 and < long.MaxValue ? Timestamps.ToRfc3339(finding.FirstNanoseconds) : null,
            LastTimestamp = finding.LastNanoseconds is > 0 and < long.MaxValue ? Timestamps.ToRfc3339(finding.LastNanoseconds) : null,
            Facts = finding.Facts,
        },
        WiresharkFilter = finding.WiresharkFilter,
        NextStep = finding.NextStep,
        Explains = Flatten(finding.Symptoms).Select(s => new SymptomReport(s.Code, s.Severity.Name(), s.Title,
            s.Flow is { } f ? new FlowReferenceReport(f.Protocol, f.Client, f.Server) : null)).ToList(),
    };

    private static IEnumerable<Finding> Flatten(IEnumerable<Finding> symptoms) => symptoms.SelectMany(s => (IEnumerable<Finding>)[s, .. Flatten(s.Symptoms)]);

    private static CaptureFacts BuildCapture(CaptureAnalysis analysis)
    {
        CaptureStatistics s = analysis.Capture;
        FragmentStatistics f = analysis.Fragments;
        var linkTypes = s.Interfaces.Select(i => i.LinkType).Concat(s.PacketsByLinkType.Keys).Distinct()
            .Select(LinkTypeNames.ToDisplayName).Distinct().ToList();
        return new CaptureFacts
        {
            Format = s.Format == CaptureFormat.Pcap ? "pcap" : "pcapng",
            FormatDetail = s.FormatDetail,
            LinkTypes = linkTypes,
            Interfaces = s.Interfaces.Select((i, index) => new InterfaceReport(index, LinkTypeNames.ToDisplayName(i.LinkType), i.LinkType, i.SnapLength, i.TimestampResolution, i.Name)).ToList(),
            PacketCount = s.Packets,
            BytesCaptured = s.BytesCaptured,
            BytesOnWire = s.BytesOnWire,
            FirstTimestamp = s.Packets > 0 ? Timestamps.ToRfc3339(s.FirstNanoseconds) : null,
            LastTimestamp = s.Packets > 0 ? Timestamps.ToRfc3339(s.LastNanoseconds) : null,
            DurationSeconds = s.Packets > 0 ? Timestamps.ToSeconds(s.LastNanoseconds - s.FirstNanoseconds) : 0,
            Truncated = s.TruncatedPackets > 0 || s.ReadError is not null,
            TruncatedPackets = s.TruncatedPackets,
            HeadersCutBySnapLength = s.HeadersCutBySnapLength,
            ReadError = s.ReadError is { } e ? new ReadErrorReport(e.Offset, e.Reason) : null,
            MalformedPackets = s.MalformedPackets,
            MalformedByReason = s.MalformedByReason.ToDictionary(p => p.Key.ToString(), p => p.Value),
            MalformedExamples = s.MalformedExamples.Select(m => new MalformedPacketReport(m.PacketNumber, m.FileOffset, m.Reason.ToString(), m.Detail)).ToList(),
            Timestamps = new TimestampFacts(s.OutOfOrderTimestamps, s.InvalidTimestamps),
            Protocols = new ProtocolFacts
            {
                Ip = s.IpPackets,
                Ipv6 = s.Ipv6Packets,
                NonIp = s.NonIpPackets,
                VlanTagged = s.VlanTaggedPackets,
                Gre = s.GrePackets,
                Vxlan = s.VxlanPackets,
                Erspan = s.ErspanPackets,
                IpInIp = s.IpInIpPackets,
                Esp = s.EspPackets,
                Ike = s.IkePackets,
                NatKeepalive = s.NatKeepalivePackets,
                TcpSyn = s.TcpSynPackets,
                TcpSynAck = s.TcpSynAckPackets,
                TcpReset = s.TcpResetPackets,
                IcmpUnreachable = s.IcmpUnreachable,
                IcmpFragmentationNeeded = s.IcmpFragmentationNeeded,
                Icmpv6PacketTooBig = s.Icmpv6PacketTooBig,
            },
            Fragments = new FragmentFacts(f.FragmentFrames, f.Datagrams, f.Reassembled, f.Incomplete, f.OutOfOrder, f.Overlapping, f.DuplicateFragments),
        };
    }

    private static FlowSummaryReport BuildSummary(CaptureAnalysis analysis, int shown)
    {
        FlowCollector c = analysis.Flows;
        return new FlowSummaryReport
        {
            Total = c.Flows,
            Tcp = c.TcpFlows,
            Udp = c.UdpFlows,
            Icmp = c.IcmpFlows,
            Other = c.OtherFlows,
            FailedTcpConnections = c.FailedTcpConnections,
            TcpStates = c.TcpStates.OrderBy(p => p.Key).ToDictionary(p => p.Key.ToString(), p => p.Value),
            Retransmissions = c.Retransmissions,
            OutOfOrder = c.OutOfOrder,
            DuplicateAcks = c.DuplicateAcks,
            ZeroWindows = c.ZeroWindows,
            KeepAlives = c.KeepAlives,
            DuplicateFrames = c.DuplicateFrames,
            UnattributedIcmpErrors = analysis.UnattributedIcmpErrors,
            EvictedForCapacity = analysis.FlowsEvictedForCapacity,
            Shown = shown,
        };
    }

    public static FlowReport BuildFlow(Flow flow)
    {
        ConnectionState state = flow.State;
        return new FlowReport
        {
            Id = flow.Id,
            Protocol = IpProtocol.Name(flow.Protocol),
            Originator = new EndpointReport(flow.OriginatorAddress.ToString(), flow.OriginatorPort),
            Responder = new EndpointReport(flow.ResponderAddress.ToString(), flow.ResponderPort),
            State = state.ToString(),
            StateDescription = state.Describe(),
            History = flow.History.ToString(),
            FirstPacket = flow.FirstPacketNumber,
            LastPacket = flow.LastPacketNumber,
            FirstTimestamp = Timestamps.ToRfc3339(flow.FirstNanoseconds),
            LastTimestamp = Timestamps.ToRfc3339(flow.LastNanoseconds),
            DurationSeconds = Timestamps.ToSeconds(flow.DurationNanoseconds),
            HandshakeRttMs = flow.HandshakeNanoseconds >= 0 ? Timestamps.ToMilliseconds(flow.HandshakeNanoseconds) : null,
            SynToSynAckMs = flow.SynToSynAckNanoseconds >= 0 ? Timestamps.ToMilliseconds(flow.SynToSynAckNanoseconds) : null,
            SynAckToAckMs = flow.SynAckToAckNanoseconds >= 0 ? Timestamps.ToMilliseconds(flow.SynAckToAckNanoseconds) : null,
            OriginatorStats = BuildDirection(flow.Originator),
            ResponderStats = BuildDirection(flow.Responder),
            Reset = flow.FirstResetPacketNumber > 0
                ? new ResetReport(flow.FirstResetPacketNumber, flow.FirstResetByOriginator ? "originator" : "responder", Timestamps.ToSeconds(flow.IdleBeforeResetNanoseconds))
                : null,
            IcmpErrorCount = flow.IcmpErrorCount,
            IcmpErrors = flow.IcmpErrors.Select(e => new IcmpErrorReport(
                e.PacketNumber, Timestamps.ToRfc3339(e.TimestampNanoseconds), e.Reporter.ToString(), e.Type, e.Code,
                IcmpMessages.Describe(e.IpVersion, e.Type, e.Code), e.Mtu > 0 ? e.Mtu : null)).ToList(),
            FragmentFrames = flow.FragmentFrames,
            WiresharkFilter = WiresharkFilters.ForFlow(flow),
        };
    }

    private static DirectionReport BuildDirection(in FlowDirection d) => new()
    {
        Packets = d.Packets,
        IpBytes = d.IpBytes,
        PayloadBytes = d.PayloadBytes,
        Retransmissions = d.Retransmissions,
        OutOfOrder = d.OutOfOrder,
        DuplicateAcks = d.DuplicateAcks,
        ZeroWindows = d.ZeroWindows,
        KeepAlives = d.KeepAlives,
        DuplicateFrames = d.DuplicateFrames,
        LargestSegment = d.LargestSegment,
        DontFragmentPackets = d.DontFragmentPackets,
        Mss = d.Mss > 0 ? d.Mss : null,
        WindowScale = d.WindowScale >= 0 ? d.WindowScale : null,
        SackPermitted = d.SackPermitted,
        Syn = d.SynSeen || d.SynAckSeen,
        Fin = d.FinSeen,
        Rst = d.RstSeen,
    };
}
