using System.Text.Json;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;

namespace CaptureOrchestrator.Engine.Testing;

/// <summary>What a harness run produced.</summary>
/// <param name="Instance">The finished instance.</param>
/// <param name="History">Its recorded history.</param>
/// <param name="ActivityCalls">Activities called, in order, with their inputs (JSON).</param>
public sealed record HarnessRun(WorkflowMetadata Instance, IReadOnlyList<HistoryEvent> History, IReadOnlyList<(string Activity, string? Input)> ActivityCalls);

/// <summary>
/// The replay test every shipped workflow gets: run it under the embedded engine with scripted
/// activity results (no Azure, no I/O), then replay its recorded history and require the same
/// commands and outcome (<see cref="ReplayVerifier"/>). Timers fire as the harness clock advances.
/// </summary>
public static class WorkflowReplayHarness
{
    /// <param name="workflowName">Name the workflow is registered under.</param>
    /// <param name="workflow">Creates the workflow.</param>
    /// <param name="input">Its input.</param>
    /// <param name="activities">Scripted activities: name → result for a JSON input (throw to fail the activity).</param>
    /// <param name="events">Events to raise, by time after start.</param>
    /// <param name="maxDuration">How far the harness clock may advance.</param>
    /// <param name="subWorkflows">Workflows the one under test calls as sub-workflows (run for real, with the same scripted activities).</param>
    /// <exception cref="NonDeterministicWorkflowException">The replay diverges from the run.</exception>
    public static async Task<HarnessRun> RunAndVerify(
        string workflowName,
        Func<IWorkflow> workflow,
        object? input,
        IReadOnlyDictionary<string, Func<JsonElement, object?>> activities,
        IReadOnlyList<(TimeSpan After, string Name, object? Payload)>? events = null,
        TimeSpan? maxDuration = null,
        IReadOnlyDictionary<string, Func<IWorkflow>>? subWorkflows = null)
    {
        var calls = new List<(string, string?)>();
        var registry = new WorkflowRegistry().AddWorkflow(workflowName, workflow);
        foreach ((string name, Func<IWorkflow> factory) in subWorkflows ?? new Dictionary<string, Func<IWorkflow>>())
        {
            registry.AddWorkflow(name, factory);
        }

        foreach ((string name, Func<JsonElement, object?> script) in activities)
        {
            registry.AddActivity(name, () => new Scripted(name, script, calls));
        }

        using var engine = new EmbeddedWorkflowEngine(":memory:", registry);
        DateTime start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        string id = engine.Start(workflowName, input, "harness", start);
        var pending = (events ?? []).OrderBy(e => e.After).ToList();
        TimeSpan limit = maxDuration ?? TimeSpan.FromDays(7);

        // Advance the clock in steps: run everything due, deliver events that are due, then move on.
        for (TimeSpan elapsed = TimeSpan.Zero; elapsed <= limit && engine.GetInstance(id)!.IsRunning; elapsed += TimeSpan.FromSeconds(1))
        {
            DateTime now = start + elapsed;
            while (pending.Count > 0 && pending[0].After <= elapsed)
            {
                engine.RaiseEvent(id, pending[0].Name, pending[0].Payload, now);
                pending.RemoveAt(0);
            }

            for (int round = 0; round < 1000 && await engine.RunOnce(now).ConfigureAwait(false); round++)
            {
            }

            if (pending.Count == 0 && engine.GetStatistics(now).QueuedActivities == 0 && !engine.GetInstance(id)!.IsRunning)
            {
                break;
            }

            elapsed = NextInterestingTime(engine, id, elapsed, pending);
        }

        WorkflowMetadata instance = engine.GetInstance(id)!;
        IReadOnlyList<HistoryEvent> history = engine.History(id);
        ReplayVerifier.Verify(workflow(), id, history, instance);
        return new HarnessRun(instance, history, calls);
    }

    // Jump to just before the next timer or event instead of ticking through hours of idle time.
    private static TimeSpan NextInterestingTime(EmbeddedWorkflowEngine engine, string id, TimeSpan elapsed, List<(TimeSpan After, string Name, object? Payload)> pending)
    {
        DateTime start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        DateTime? nextTimer = engine.History(id).OfType<TimerCreated>().Select(t => (DateTime?)t.FireAt).Where(t => t > start + elapsed).Min();
        TimeSpan? nextEvent = pending.Count > 0 ? pending[0].After : null;
        TimeSpan candidate = new[] { nextTimer is { } t ? t - start : (TimeSpan?)null, nextEvent }.Where(x => x is not null).Select(x => x!.Value).DefaultIfEmpty(elapsed).Min();
        return candidate > elapsed + TimeSpan.FromSeconds(1) ? candidate - TimeSpan.FromSeconds(1) : elapsed;
    }

    private sealed class Scripted(string name, Func<JsonElement, object?> script, List<(string, string?)> calls) : IActivity
    {
        public Type InputType => typeof(JsonElement);

        public Task<object?> RunAsync(WorkflowActivityContext context, object? input, CancellationToken cancellationToken)
        {
            var element = input is JsonElement json ? json : default;
            lock (calls)
            {
                calls.Add((name, input is null ? null : element.GetRawText()));
            }

            return Task.FromResult(script(element));
        }
    }
}
