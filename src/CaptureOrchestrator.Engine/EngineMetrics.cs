using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Engine;

/// <summary>A snapshot of the engine's load.</summary>
/// <param name="InstancesByStatus">Instances per runtime status.</param>
/// <param name="QueuedActivities">Activities waiting for (or held by) a worker.</param>
/// <param name="PendingMessages">Messages due for their instances (completions, events, fired timers).</param>
public sealed record EngineStatistics(IReadOnlyDictionary<WorkflowRuntimeStatus, int> InstancesByStatus, int QueuedActivities, int PendingMessages);

/// <summary>
/// The engine's instruments on the meter <see cref="MeterName"/> (read by OpenTelemetry or
/// dotnet-counters): workflow steps, activity runs and their duration, instances by status and
/// queue depth.
/// </summary>
internal sealed class EngineMetrics : IDisposable
{
    public const string MeterName = "CaptureOrchestrator.Engine";

    private readonly Meter _meter;
    private readonly Counter<long> _steps;
    private readonly Counter<long> _activities;
    private readonly Histogram<double> _activityDuration;

    /// <param name="store">The database the engine runs on (a meter tag: one process may run several engines).</param>
    /// <param name="snapshot">Reads the gauges.</param>
    public EngineMetrics(string store, Func<EngineStatistics> snapshot)
    {
        _meter = new Meter(new MeterOptions(MeterName) { Tags = [new KeyValuePair<string, object?>("workflow.store", store)] });
        _steps = _meter.CreateCounter<long>("workflow.steps", description: "Workflow steps (replays) recorded");
        _activities = _meter.CreateCounter<long>("workflow.activities", description: "Activity runs, by outcome");
        _activityDuration = _meter.CreateHistogram<double>("workflow.activity.duration", unit: "ms", description: "Time an activity ran");
        _meter.CreateObservableGauge("workflow.instances", () => snapshot().InstancesByStatus.Select(p => new Measurement<int>(p.Value, new KeyValuePair<string, object?>("status", p.Key.ToString()))), description: "Instances by runtime status");
        _meter.CreateObservableGauge("workflow.queue.activities", () => snapshot().QueuedActivities, description: "Activities queued");
        _meter.CreateObservableGauge("workflow.queue.messages", () => snapshot().PendingMessages, description: "Messages due for their instances");
    }

    public void StepRecorded(WorkflowRuntimeStatus status) => _steps.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));

    public void ActivityRan(string name, bool succeeded, TimeSpan duration)
    {
        var tags = new TagList { { "activity", name }, { "outcome", succeeded ? "completed" : "failed" } };
        _activities.Add(1, tags);
        _activityDuration.Record(duration.TotalMilliseconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
