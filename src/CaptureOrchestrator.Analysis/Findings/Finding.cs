using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>The conversation a finding is about, as the report shows it.</summary>
/// <param name="Protocol">tcp, udp, icmp, esp, ...</param>
/// <param name="Client">Originator "address:port".</param>
/// <param name="Server">Responder "address:port".</param>
public sealed record FlowReference(string Protocol, string Client, string Server);

/// <summary>Packets of one flow that support a finding (used for the evidence capture).</summary>
/// <param name="Key">The flow's 5-tuple.</param>
/// <param name="FirstPacket">First frame number of the flow.</param>
/// <param name="LastPacket">Last frame number of the flow.</param>
public sealed record EvidenceFlow(FlowKey Key, long FirstPacket, long LastPacket);

/// <summary>
/// One diagnosis: a stable code, how bad it is, what it means in plain words, the evidence, a
/// Wireshark filter that shows it and the Azure-specific next step.
/// </summary>
public sealed record Finding
{
    public required string Code { get; init; }

    public required FindingSeverity Severity { get; init; }

    /// <summary>One line, specific to this capture ("SYNs to 10.3.0.5:3389 get no answer").</summary>
    public required string Title { get; init; }

    /// <summary>The sentence the report leads with when this is the top finding.</summary>
    public required string Verdict { get; init; }

    /// <summary>What it means, for someone who is not a network expert.</summary>
    public required string Explanation { get; init; }

    /// <summary>What to check or change in Azure.</summary>
    public required string NextStep { get; init; }

    public required string WiresharkFilter { get; init; }

    /// <summary>The main flow, when the finding is about one conversation (or the first of several).</summary>
    public FlowReference? Flow { get; init; }

    /// <summary>Flows affected (grouped findings cover many).</summary>
    public long FlowCount { get; init; } = 1;

    /// <summary>Frame numbers that show the problem (a sample, at most 20).</summary>
    public IReadOnlyList<long> Packets { get; init; } = [];

    public long FirstNanoseconds { get; init; }

    public long LastNanoseconds { get; init; }

    /// <summary>Named counts and measurements ("synAttempts": 3, "idleSeconds": 305.2, ...).</summary>
    public IReadOnlyDictionary<string, double> Facts { get; init; } = new Dictionary<string, double>();

    /// <summary>Flows whose packets go into the evidence capture.</summary>
    public IReadOnlyList<EvidenceFlow> EvidenceFlows { get; init; } = [];

    /// <summary>
    /// Sources every failed flow of which this finding accounts for (a scan: all its probes), beyond
    /// the sample in <see cref="EvidenceFlows"/>. See <see cref="FailedFlowAccounting"/>.
    /// </summary>
    public IReadOnlyList<Decoding.NetAddress> CoversOriginators { get; init; } = [];

    /// <summary>Orders findings of equal severity (more affected flows, more events: higher).</summary>
    public double Weight { get; init; }

    /// <summary>
    /// Findings this one explains (its symptoms: e.g. the retransmissions an MTU problem causes),
    /// shown under it as evidence rather than as separate problems. See <see cref="Causality"/>.
    /// </summary>
    public IReadOnlyList<Finding> Symptoms { get; init; } = [];
}
