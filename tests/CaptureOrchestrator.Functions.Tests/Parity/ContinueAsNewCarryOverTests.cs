using CaptureOrchestrator.Functions.Tests.Engines;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>
/// A lease request that arrives with a burst and is still unread when the lease continues as new
/// must reach the next generation (the port's ContinueAsNew keeps unprocessed events by default,
/// as Durable Task's does).
/// </summary>
public sealed class ContinueAsNewCarryOverTests
{
    private static WorkflowCase Case => WorkflowCases.ContinueAsNew("flow-trace-carries-an-unread-request-over-continue-as-new", releaseWithTheExtensions: true);

    [Fact]
    public Task The_embedded_engine_carries_the_unread_request_into_the_next_generation() =>
        RunAndCheck(EmbeddedEngine.StartAsync);

    // The worker does its part: at ContinueAsNew it sends each buffered event to the instance again
    // (TaskOrchestrationContextWrapper.ContinueAsNew). The test host's in-memory backend in
    // Microsoft.DurableTask.InProcessTestHost 0.2.3-preview.1, the only version served, then clears
    // those messages with the old generation's (TaskOrchestrationDispatcher, after
    // microsoft/durabletask-dotnet#707), so the request is lost and the lease waits out its holder.
    // Upstream fixed it in #708 ("Self-targeted external events emitted during ContinueAsNew ... must
    // be carried into the new runtime state"), in no published package yet. The Azure backends are
    // not this code. Remove the Skip when a newer test host is served.
    [Fact(Skip = "InProcessTestHost 0.2.3-preview.1 drops events re-sent at ContinueAsNew (microsoft/durabletask-dotnet#707, fixed by #708, unpublished)")]
    public Task The_durable_task_worker_carries_the_unread_request_into_the_next_generation() =>
        RunAndCheck(DurableTaskEngine.StartAsync);

    private static async Task RunAndCheck(Func<EngineSetup, Task<IWorkflowEngine>> start)
    {
        WorkflowCase workflowCase = Case;
        workflowCase.Check(await EngineParity.RunAsync(workflowCase, ProductWorkflows.All, start));
    }
}
