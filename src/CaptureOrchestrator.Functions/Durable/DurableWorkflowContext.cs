using CaptureOrchestrator.Core.Workflows;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Functions.Durable;

/// <summary>
/// The workflow port over Durable Task's orchestration context: one call each, failures mapped to
/// the port's <see cref="WorkflowTaskFailedException"/>, retries run by the port's own policy
/// (through a retry handler), so a workflow behaves the same on both hosts.
/// Every await here stays on the orchestrator's thread: no ConfigureAwait(false).
/// </summary>
internal sealed class DurableWorkflowContext(TaskOrchestrationContext inner) : IWorkflowContext
{
    public string Name => inner.Name.Name;

    public string InstanceId => inner.InstanceId;

    public DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;

    public bool IsReplaying => inner.IsReplaying;

    public T? GetInput<T>() => inner.GetInput<T>();

    public async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null)
    {
        try
        {
            return await inner.CallActivityAsync<TResult>(name, input, DurableRetry.From(options)).ConfigureAwait(true);
        }
        catch (TaskFailedException failure)
        {
            throw new WorkflowTaskFailedException(name, DurableRetry.Map(failure.FailureDetails));
        }
    }

    public async Task CallActivityAsync(string name, object? input = null, WorkflowTaskOptions? options = null) =>
        await CallActivityAsync<object?>(name, input, options).ConfigureAwait(true);

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => inner.CreateTimer(fireAt, cancellationToken);

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        inner.WaitForExternalEvent<T>(eventName, cancellationToken);

    public async Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null)
    {
        TaskOptions? retry = DurableRetry.From(options);
        var subOptions = retry is null ? new SubOrchestrationOptions(instanceId: instanceId) : new SubOrchestrationOptions(retry, instanceId);
        try
        {
            return await inner.CallSubOrchestratorAsync<TResult>(name, input, subOptions).ConfigureAwait(true);
        }
        catch (TaskFailedException failure)
        {
            // Durable Task reports a failed sub-orchestration as a TaskFailedException too.
            throw new WorkflowTaskFailedException(name, DurableRetry.Map(failure.FailureDetails));
        }
    }

    public void SetCustomStatus(object? customStatus) => inner.SetCustomStatus(customStatus);

    public Guid NewGuid() => inner.NewGuid();

    public void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

    public ILogger CreateReplaySafeLogger(string categoryName) => inner.CreateReplaySafeLogger(categoryName);
}
