using System.Diagnostics.Metrics;
using System.Text.Json;
using CaptureOrchestrator.Activities.Telemetry;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine;

namespace CaptureOrchestrator.Server.Telemetry;

/// <summary>
/// The gauge of running operations by workflow and phase (the phase their status shows), read from
/// the embedded engine whenever metrics are collected.
/// </summary>
internal sealed class OperationPhases : IDisposable
{
    private static readonly WorkflowRuntimeStatus[] Running = [WorkflowRuntimeStatus.Pending, WorkflowRuntimeStatus.Running];
    private readonly Meter _meter = new(OrchestratorTelemetry.MeterName);
    private readonly EmbeddedWorkflowEngine _engine;

    public OperationPhases(EmbeddedWorkflowEngine engine)
    {
        _engine = engine;
        _meter.CreateObservableGauge("captureorchestrator.operations.active", Observe, "{operation}", "Running operations by workflow and phase");
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> Observe() =>
        Count().Select(p => new Measurement<long>(p.Value, new("workflow", p.Key.Workflow), new("phase", p.Key.Phase)));

    internal Dictionary<(string Workflow, string Phase), long> Count()
    {
        var counts = new Dictionary<(string, string), long>();
        foreach (WorkflowMetadata instance in _engine.Query(new WorkflowQuery(Statuses: Running, PageSize: 500)))
        {
            (string, string) key = (instance.Name, PhaseOf(instance));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    /// <summary>The "phase" of a workflow's custom status, or its runtime status when it shows none.</summary>
    private static string PhaseOf(WorkflowMetadata instance)
    {
        if (instance.SerializedCustomStatus is { } json)
        {
            try
            {
                using JsonDocument status = JsonDocument.Parse(json);
                if (status.RootElement.ValueKind == JsonValueKind.Object && status.RootElement.TryGetProperty("phase", out JsonElement phase) && phase.ValueKind == JsonValueKind.String)
                {
                    return phase.GetString()!;
                }
            }
            catch (JsonException)
            {
                // not ours to read: fall through
            }
        }

        return instance.RuntimeStatus.ToString();
    }
}
