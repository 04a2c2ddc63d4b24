using CaptureOrchestrator.Core.Workflows;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Functions.Durable;

/// <summary>
/// The workflow port over Durable Task's orchestration context: one call each, failures mapped to
/// the port's <see cref="WorkflowTaskFailedException"/>, retries run by the port's own policy
/// with durable timers between attempts, so a workflow behaves the same on both hosts.
/// Every await here stays on the orchestrator's thread: no ConfigureAwait(false).
/// </summary>
internal sealed class DurableWorkflowContext(TaskOrchestrationContext inner) : IWorkflowContext
{
    public string Name => inner.Name.Name;

    public string InstanceId => inner.InstanceId;

    public DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;

    public bool IsReplaying => inner.IsReplaying;

    public T? GetInput<T>() => inner.GetInput<T>();

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null) =>
        WithRetries(name, options?.Retry, attempt => inner.CallActivityAsync<TResult>(name, new ActivityInvocation(attempt, input)));

    public async Task CallActivityAsync(string name, object? input = null, WorkflowTaskOptions? options = null) =>
        await CallActivityAsync<object?>(name, input, options).ConfigureAwait(true);

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => inner.CreateTimer(fireAt, cancellationToken);

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        inner.WaitForExternalEvent<T>(eventName, cancellationToken);

    // Durable Task reports a failed sub-orchestration as a TaskFailedException too.
    public Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null) =>
        WithRetries(name, options?.Retry, _ => inner.CallSubOrchestratorAsync<TResult>(name, input, new SubOrchestrationOptions(instanceId: instanceId)));

    public void SetCustomStatus(object? customStatus) => inner.SetCustomStatus(customStatus);

    public Guid NewGuid() => inner.NewGuid();

    public void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        inner.ContinueAsNew(newInput, preserveUnprocessedEvents);

    public ILogger CreateReplaySafeLogger(string categoryName) => inner.CreateReplaySafeLogger(categoryName);

    /// <summary>
    /// The same loop as the embedded engine's: call, and after a failure the policy accepts, wait on
    /// a durable timer and call again with the next attempt number; otherwise fail with the cause.
    /// </summary>
    private async Task<TResult> WithRetries<TResult>(string name, Core.Workflows.RetryPolicy? retry, Func<int, Task<TResult>> call)
    {
        for (int attempt = 1; ; attempt++)
        {
            WorkflowFailureDetails failure;
            try
            {
                return await call(attempt).ConfigureAwait(true);
            }
            catch (TaskFailedException failed)
            {
                failure = DurableFailures.Map(failed.FailureDetails);
            }

            if (retry?.DelayBefore(attempt + 1, failure) is not { } delay)
            {
                throw new WorkflowTaskFailedException(name, failure);
            }

            await inner.CreateTimer(delay, CancellationToken.None).ConfigureAwait(true);
        }
    }
}
