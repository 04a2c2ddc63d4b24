using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Functions;

/// <summary>
/// Stands in for the workflow client in the services built at start-up: on Functions the real one is
/// bound per invocation ([DurableClient]) and swapped in by <see cref="ActivityHost"/>.
/// </summary>
internal sealed class UnboundWorkflowClient : IWorkflowClient
{
    private static InvalidOperationException NotBound() => new("the workflow client is bound per function invocation; use the one from [DurableClient]");

    public Task<string> ScheduleNewWorkflowInstanceAsync(string workflowName, object? input = null, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default) => throw NotBound();

    public Task<WorkflowMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) => throw NotBound();

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) => throw NotBound();

    public Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default) => throw NotBound();

    public Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) => throw NotBound();

    public IAsyncEnumerable<WorkflowMetadata> GetAllInstancesAsync(WorkflowQuery? query = null, CancellationToken cancellationToken = default) => throw NotBound();

    public Task<WorkflowMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) => throw NotBound();
}
