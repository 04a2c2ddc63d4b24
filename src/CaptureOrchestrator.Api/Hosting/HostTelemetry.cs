using CaptureOrchestrator.Activities.Telemetry;

namespace CaptureOrchestrator.Api.Hosting;

/// <summary>The trace sources and meters both hosts export (each adds its engine's own).</summary>
public static class HostTelemetry
{
    public static readonly string[] Sources = [OrchestratorTelemetry.SourceName, "Microsoft.AspNetCore", "System.Net.Http"];

    public static readonly string[] Meters = [OrchestratorTelemetry.MeterName, "Microsoft.AspNetCore.Hosting", "System.Net.Http"];
}
