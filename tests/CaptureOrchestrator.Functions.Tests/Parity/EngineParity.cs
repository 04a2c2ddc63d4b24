using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Tests.Engines;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>
/// Runs a case on the embedded engine and on Durable Task's worker at the same time, checks the
/// case on each, and requires the two to agree: runtime status, output, final custom status,
/// failure, the input (after continue-as-new, the last generation's) and the activity calls (name, input, attempt). Wall-clock values are the one thing
/// allowed to differ (timers run on real time on both), so timestamps are compared as "&lt;time&gt;".
/// </summary>
public static partial class EngineParity
{
    public static async Task<(EngineRun Embedded, EngineRun Durable)> RunOnBothAsync(WorkflowCase workflowCase, IReadOnlyDictionary<string, Func<IWorkflow>> workflows)
    {
        Task<EngineRun> embedded = RunAsync(workflowCase, workflows, EmbeddedEngine.StartAsync);
        Task<EngineRun> durable = RunAsync(workflowCase, workflows, DurableTaskEngine.StartAsync);
        EngineRun[] runs = await Task.WhenAll(embedded, durable);

        foreach (EngineRun run in runs)
        {
            workflowCase.Check(run);
        }

        AssertSame(runs[0], runs[1]);
        return (runs[0], runs[1]);
    }

    /// <param name="verifyReplays">On the embedded engine, replay every finished history once more and require the same outcome.</param>
    public static async Task<EngineRun> RunAsync(WorkflowCase workflowCase, IReadOnlyDictionary<string, Func<IWorkflow>> workflows, Func<EngineSetup, Task<IWorkflowEngine>> start, bool verifyReplays = true)
    {
        var log = new CallLog();
        await using IWorkflowEngine engine = await start(new EngineSetup(workflows, workflowCase.Activities, log));
        DateTime startedAt = DateTime.UtcNow;
        long began = Stopwatch.GetTimestamp();
        await engine.Client.ScheduleNewWorkflowInstanceAsync(workflowCase.Workflow, workflowCase.Input(startedAt), new StartWorkflowOptions(workflowCase.InstanceId));

        using var timeout = new CancellationTokenSource(workflowCase.Timeout);
        WorkflowMetadata instance;
        try
        {
            instance = await engine.Client.WaitForInstanceCompletionAsync(workflowCase.InstanceId, getInputsAndOutputs: true, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            WorkflowMetadata? now = await engine.Client.GetInstanceAsync(workflowCase.InstanceId, getInputsAndOutputs: true);
            Assert.Fail($"{engine.Name}: '{workflowCase.Name}' still {now?.RuntimeStatus} after {workflowCase.Timeout}; status {now?.SerializedCustomStatus}; calls: {string.Join(", ", log.Calls.Select(c => c.Activity))}");
            throw;
        }

        TimeSpan took = Stopwatch.GetElapsedTime(began);
        if (verifyReplays && engine is EmbeddedEngine embedded)
        {
            embedded.VerifyReplays();
        }

        return new EngineRun(engine.Name, instance, log.Calls, startedAt, took);
    }

    /// <summary>The comparison: equal but for wall-clock values, activity calls as a sorted list (parallel branches may interleave differently).</summary>
    public static void AssertSame(EngineRun embedded, EngineRun durable)
    {
        Assert.Equal(embedded.Instance.RuntimeStatus, durable.Instance.RuntimeStatus);
        Assert.Equal(Normalize(embedded.Instance.SerializedInput), Normalize(durable.Instance.SerializedInput));
        Assert.Equal(Normalize(embedded.Instance.SerializedOutput), Normalize(durable.Instance.SerializedOutput));
        Assert.Equal(Normalize(embedded.Instance.SerializedCustomStatus), Normalize(durable.Instance.SerializedCustomStatus));
        Assert.Equal(Describe(embedded.Instance.FailureDetails), Describe(durable.Instance.FailureDetails));
        Assert.Equal(Calls(embedded), Calls(durable));
    }

    public static string[] Calls(EngineRun run) =>
        run.Calls.Select(c => $"{c.Activity} #{c.Attempt} {Normalize(c.Input)}").Order(StringComparer.Ordinal).ToArray();

    /// <summary>JSON re-written in one shape (property order kept), with every timestamp as "&lt;time&gt;".</summary>
    public static string? Normalize(string? json)
    {
        if (json is null)
        {
            return null;
        }

        JsonNode? node = JsonNode.Parse(json);
        return node is null ? "null" : Timestamp().Replace(node.ToJsonString(), "<time>");
    }

    private static string? Describe(WorkflowFailureDetails? failure) =>
        failure is null ? null : $"{failure.ErrorType}: {failure.ErrorMessage}" + (failure.InnerFailure is { } inner ? " ← " + Describe(inner) : string.Empty);

    // ISO 8601 as System.Text.Json writes DateTime, and the "u" format the progress board uses.
    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")]
    private static partial Regex Timestamp();
}
