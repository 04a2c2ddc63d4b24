using System.Diagnostics.Metrics;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Engine.Tests;

public sealed class EngineMetricsTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 21, 8, 0, 0, DateTimeKind.Utc);
    private readonly string _directory = Directory.CreateTempSubdirectory("co-metrics-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Slow : Activity<int, int>
    {
        public override async Task<int> RunAsync(WorkflowActivityContext context, int input, CancellationToken cancellationToken)
        {
            await Task.Delay(20, cancellationToken);
            return input;
        }
    }

    private sealed class Two : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int input) =>
            await context.CallActivityAsync<int>("Slow", await context.CallActivityAsync<int>("Slow", input));
    }

    private sealed class Waits : Workflow<object?, string>
    {
        public override Task<string> RunAsync(IWorkflowContext context, object? input) => context.WaitForExternalEvent<string>("go");
    }

    [Fact]
    public async Task Statistics_report_instances_by_status_and_queue_depth()
    {
        var registry = new WorkflowRegistry().AddWorkflow("Two", () => new Two()).AddWorkflow("Waits", () => new Waits()).AddActivity("Slow", () => new Slow());
        using var engine = new EmbeddedWorkflowEngine(Path.Combine(_directory, "m.db"), registry);
        engine.Start("Two", 1, null, T0);
        engine.Start("Waits", null, null, T0);

        EngineStatistics before = engine.GetStatistics(T0);
        Assert.Equal(2, before.InstancesByStatus[WorkflowRuntimeStatus.Pending]);
        Assert.Equal(2, before.PendingMessages);

        engine.RunWorkflowSteps(T0);
        EngineStatistics queued = engine.GetStatistics(T0);
        Assert.Equal(1, queued.QueuedActivities);
        Assert.Equal(2, queued.InstancesByStatus[WorkflowRuntimeStatus.Running]);

        for (int i = 0; i < 10 && await engine.RunOnce(T0); i++)
        {
        }

        EngineStatistics after = engine.GetStatistics(T0);
        Assert.Equal(1, after.InstancesByStatus[WorkflowRuntimeStatus.Completed]);
        Assert.Equal(1, after.InstancesByStatus[WorkflowRuntimeStatus.Running]);
        Assert.Equal(0, after.QueuedActivities);
    }

    [Fact]
    public async Task Activity_runs_and_durations_are_published_on_the_meter()
    {
        var durations = new List<double>();
        string database = Path.Combine(_directory, "m2.db");
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "CaptureOrchestrator.Engine" && instrument.Name == "workflow.activity.duration"
                    && instrument.Meter.Tags?.Any(t => t.Key == "workflow.store" && (string?)t.Value == database) == true)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (durations)
            {
                durations.Add(value);
            }
        });
        listener.Start();

        var registry = new WorkflowRegistry().AddWorkflow("Two", () => new Two()).AddActivity("Slow", () => new Slow());
        using var engine = new EmbeddedWorkflowEngine(database, registry);
        engine.Start("Two", 1, null, T0);
        for (int i = 0; i < 10 && await engine.RunOnce(T0); i++)
        {
        }

        lock (durations)
        {
            Assert.True(durations.Count >= 2, $"expected two activity runs, saw {durations.Count}");
            Assert.All(durations, d => Assert.True(d >= 15, $"an activity that sleeps 20 ms reported {d} ms"));
        }
    }
}
