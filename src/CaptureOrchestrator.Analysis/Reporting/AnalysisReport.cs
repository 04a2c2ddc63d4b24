using System.Text.Json.Serialization;

namespace CaptureOrchestrator.Analysis.Reporting;

// The JSON contract of `analyze --format json`. Documented in docs/analysis-report.md; bump
// SchemaVersion when a field changes meaning or disappears (adding fields is compatible).

public sealed class AnalysisReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Generator { get; init; }

    /// <summary>One sentence: the most important finding, or why the capture looks healthy.</summary>
    public required string Verdict { get; init; }

    public required SourceInfo Source { get; init; }

    public required CaptureFacts Capture { get; init; }

    public required FlowSummaryReport FlowSummary { get; init; }

    public required IReadOnlyList<FlowReport> Flows { get; init; }

    public required ApplicationLayerReport ApplicationLayer { get; init; }

    /// <summary>Ranked: most important first.</summary>
    public IReadOnlyList<FindingReport> Findings { get; init; } = [];
}

public sealed class ApplicationLayerReport
{
    public required DnsReport Dns { get; init; }

    public required TlsReport Tls { get; init; }
}

public sealed record DnsReport(long Queries, long Responses, IReadOnlyDictionary<string, long> ResponsesByCode, long Unanswered, double MaxLatencyMs);

public sealed record TlsReport(long Conversations, long ClientHellos, long AlertFrames, IReadOnlyDictionary<string, long> AlertsByDescription, long EncryptedAlerts, long CertificateMessages, long UnreadableCertificates, long Tls13Handshakes);

public sealed class SourceInfo
{
    public required string Name { get; init; }

    public long? SizeBytes { get; init; }

    /// <summary>
    /// What a reader must know about where the capture came from before anything else (for example
    /// that it is a sample of a simulated run); every format puts it first. Null: nothing to say.
    /// </summary>
    public string? Notice { get; init; }
}

public sealed class CaptureFacts
{
    public required string Format { get; init; }

    public required string FormatDetail { get; init; }

    public required IReadOnlyList<string> LinkTypes { get; init; }

    public required IReadOnlyList<InterfaceReport> Interfaces { get; init; }

    public long PacketCount { get; init; }

    public long BytesCaptured { get; init; }

    public long BytesOnWire { get; init; }

    public string? FirstTimestamp { get; init; }

    public string? LastTimestamp { get; init; }

    public double DurationSeconds { get; init; }

    /// <summary>True when packets were cut by the snap length or the file ends early.</summary>
    public bool Truncated { get; init; }

    public long TruncatedPackets { get; init; }

    public long HeadersCutBySnapLength { get; init; }

    public ReadErrorReport? ReadError { get; init; }

    public long MalformedPackets { get; init; }

    public required IReadOnlyDictionary<string, long> MalformedByReason { get; init; }

    public required IReadOnlyList<MalformedPacketReport> MalformedExamples { get; init; }

    public required TimestampFacts Timestamps { get; init; }

    public required ProtocolFacts Protocols { get; init; }

    public required FragmentFacts Fragments { get; init; }
}

public sealed record InterfaceReport(int Id, string LinkType, int LinkTypeNumber, int SnapLength, string TimestampResolution, string? Name);

public sealed record ReadErrorReport(long Offset, string Message);

public sealed record MalformedPacketReport(long PacketNumber, long FileOffset, string Reason, string Detail);

public sealed record TimestampFacts(long OutOfOrder, long Invalid);

public sealed class ProtocolFacts
{
    public long Ip { get; init; }

    public long Ipv6 { get; init; }

    public long NonIp { get; init; }

    public long VlanTagged { get; init; }

    public long Gre { get; init; }

    public long Vxlan { get; init; }

    public long Erspan { get; init; }

    public long IpInIp { get; init; }

    public long Esp { get; init; }

    public long Ike { get; init; }

    public long NatKeepalive { get; init; }

    public long TcpSyn { get; init; }

    public long TcpSynAck { get; init; }

    public long TcpReset { get; init; }

    public long IcmpUnreachable { get; init; }

    public long IcmpFragmentationNeeded { get; init; }

    public long Icmpv6PacketTooBig { get; init; }
}

public sealed record FragmentFacts(long FragmentFrames, long Datagrams, long Reassembled, long Incomplete, long OutOfOrder, long Overlapping, long DuplicateFragments);

public sealed class FlowSummaryReport
{
    public long Total { get; init; }

    public long Tcp { get; init; }

    public long Udp { get; init; }

    public long Icmp { get; init; }

    public long Other { get; init; }

    public long FailedTcpConnections { get; init; }

    public required IReadOnlyDictionary<string, long> TcpStates { get; init; }

    public long Retransmissions { get; init; }

    public long OutOfOrder { get; init; }

    public long DuplicateAcks { get; init; }

    public long ZeroWindows { get; init; }

    public long KeepAlives { get; init; }

    /// <summary>Frames the capture recorded twice (same IP ID and segment within 100 µs): not network retransmissions.</summary>
    public long DuplicateFrames { get; init; }

    public long UnattributedIcmpErrors { get; init; }

    public long EvictedForCapacity { get; init; }

    public int Shown { get; init; }
}

public sealed class FlowReport
{
    public long Id { get; init; }

    public required string Protocol { get; init; }

    public required EndpointReport Originator { get; init; }

    public required EndpointReport Responder { get; init; }

    public required string State { get; init; }

    public required string StateDescription { get; init; }

    public required string History { get; init; }

    public long FirstPacket { get; init; }

    public long LastPacket { get; init; }

    public required string FirstTimestamp { get; init; }

    public required string LastTimestamp { get; init; }

    public double DurationSeconds { get; init; }

    public double? HandshakeRttMs { get; init; }

    public double? SynToSynAckMs { get; init; }

    public double? SynAckToAckMs { get; init; }

    public required DirectionReport OriginatorStats { get; init; }

    public required DirectionReport ResponderStats { get; init; }

    public ResetReport? Reset { get; init; }

    public long IcmpErrorCount { get; init; }

    public required IReadOnlyList<IcmpErrorReport> IcmpErrors { get; init; }

    public long FragmentFrames { get; init; }

    public required string WiresharkFilter { get; init; }
}

public sealed record EndpointReport(string Address, int Port);

public sealed class DirectionReport
{
    public long Packets { get; init; }

    public long IpBytes { get; init; }

    public long PayloadBytes { get; init; }

    public long Retransmissions { get; init; }

    public long OutOfOrder { get; init; }

    public long DuplicateAcks { get; init; }

    public long ZeroWindows { get; init; }

    public long KeepAlives { get; init; }

    public long DuplicateFrames { get; init; }

    public int LargestSegment { get; init; }

    public long DontFragmentPackets { get; init; }

    public int? Mss { get; init; }

    public int? WindowScale { get; init; }

    public bool SackPermitted { get; init; }

    public bool Syn { get; init; }

    public bool Fin { get; init; }

    public bool Rst { get; init; }
}

public sealed record ResetReport(long PacketNumber, string By, double IdleSecondsBefore);

public sealed record IcmpErrorReport(long PacketNumber, string Timestamp, string Reporter, int Type, int Code, string Meaning, int? Mtu);

/// <summary>A diagnosis: stable code, severity, what it means, evidence, how to see it, what to do in Azure.</summary>
public sealed class FindingReport
{
    public int Rank { get; init; }

    public required string Code { get; init; }

    /// <summary>error, warning or info.</summary>
    public required string Severity { get; init; }

    public required string Title { get; init; }

    public required string Explanation { get; init; }

    public required EvidenceReport Evidence { get; init; }

    public required string WiresharkFilter { get; init; }

    public required string NextStep { get; init; }

    /// <summary>Findings this one explains (its symptoms), shown as its evidence: code, severity, title, flow.</summary>
    public IReadOnlyList<SymptomReport> Explains { get; init; } = [];
}

public sealed record SymptomReport(string Code, string Severity, string Title, FlowReferenceReport? Flow);

public sealed class EvidenceReport
{
    public FlowReferenceReport? Flow { get; init; }

    public long FlowCount { get; init; }

    public required IReadOnlyList<long> Packets { get; init; }

    public string? FirstTimestamp { get; init; }

    public string? LastTimestamp { get; init; }

    public required IReadOnlyDictionary<string, double> Facts { get; init; }
}

public sealed record FlowReferenceReport(string Protocol, string Client, string Server);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AnalysisReport))]
public sealed partial class ReportJsonContext : JsonSerializerContext;
