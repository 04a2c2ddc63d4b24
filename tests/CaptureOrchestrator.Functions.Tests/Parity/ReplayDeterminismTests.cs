using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Tests.Engines;
using static CaptureOrchestrator.Functions.Tests.Parity.Scripts;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>
/// Both engines replay a workflow's code against its history at every step, so code that takes a
/// different path on replay (here: a counter outside the workflow, as a clock or a random number
/// would be) fails the instance on both instead of running on with a history that lies. The product
/// workflows pass this check on every parity case (the embedded engine replays each finished
/// history once more; Durable Task replays at every step and would fail them).
/// </summary>
public sealed class ReplayDeterminismTests
{
    /// <summary>Calls "First" the first time its code runs, "Second" on every replay.</summary>
    private sealed class ForgetsItsPath(Func<int> executions) : Workflow<object?, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, object? input)
        {
            string step = executions() == 1 ? "First" : "Second";
            await context.CallActivityAsync(step);
            await context.CallActivityAsync("Last");
            return step;
        }
    }

    public static TheoryData<string> Engines => new(["embedded", "durable"]);

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_workflow_that_takes_another_path_on_replay_fails(string engine)
    {
        int executions = 0;
        var workflows = new Dictionary<string, Func<IWorkflow>> { ["Test.ForgetsItsPath"] = () => new ForgetsItsPath(() => Interlocked.Increment(ref executions)) };
        var workflowCase = new WorkflowCase(
            "nondeterministic-" + engine,
            "Test.ForgetsItsPath",
            _ => null,
            new Dictionary<string, Script> { ["First"] = ReturnsNothing, ["Second"] = ReturnsNothing, ["Last"] = ReturnsNothing },
            _ => { },
            TimeSpan.FromSeconds(30));

        EngineRun run = await EngineParity.RunAsync(workflowCase, workflows, engine == "embedded" ? EmbeddedEngine.StartAsync : DurableTaskEngine.StartAsync, verifyReplays: false);

        Assert.Equal(WorkflowRuntimeStatus.Failed, run.Instance.RuntimeStatus);
        Assert.Contains("NonDeterministic", run.Instance.FailureDetails!.ErrorType, StringComparison.Ordinal);
        Assert.True(executions >= 2, "the code ran again to replay");
        Assert.Empty(run.CallsTo("Last"));
    }
}
