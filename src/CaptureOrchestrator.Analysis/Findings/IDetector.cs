using CaptureOrchestrator.Analysis.Engine;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>
/// One area of the diagnosis catalogue. A detector watches flows and/or packets during the
/// single pass (as an <see cref="Flows.IFlowObserver"/> and/or <see cref="IPacketObserver"/>)
/// and states its findings at the end.
/// </summary>
public interface IDetector
{
    IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context);
}

/// <summary>What the caller knows about where the capture was taken.</summary>
public sealed record DiagnosisContext
{
    /// <summary>The traffic crosses an Azure VPN gateway (the orchestrator knows this for gateway captures).</summary>
    public bool PathCrossesVpn { get; init; }

    /// <summary>Azure Load Balancer / NAT gateway default TCP idle timeout.</summary>
    public TimeSpan AzureIdleTimeout { get; init; } = TimeSpan.FromMinutes(4);
}
