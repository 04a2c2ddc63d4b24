using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Functions.Durable;

/// <summary>
/// The workflow client of the services built once at start-up. On Functions the real client is
/// handed out per invocation ([DurableClient]); <see cref="Bind"/> makes it the one this client
/// forwards to for the rest of that invocation's async flow, so the services and the activity
/// table need not be rebuilt per call. Used outside an invocation, it says so.
/// </summary>
internal sealed class InvocationWorkflowClient : IWorkflowClient
{
    private readonly AsyncLocal<IWorkflowClient?> _bound = new();

    /// <summary>Forwards to <paramref name="client"/> until the returned scope is disposed.</summary>
    public IDisposable Bind(IWorkflowClient client)
    {
        IWorkflowClient? previous = _bound.Value;
        _bound.Value = client;
        return new Scope(this, previous);
    }

    public Task<string> ScheduleNewWorkflowInstanceAsync(string workflowName, object? input = null, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default) =>
        Current.ScheduleNewWorkflowInstanceAsync(workflowName, input, options, cancellationToken);

    public Task<WorkflowMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        Current.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellationToken);

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) =>
        Current.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);

    public Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default) =>
        Current.TerminateInstanceAsync(instanceId, output, cancellationToken);

    public Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Current.PurgeInstanceAsync(instanceId, cancellationToken);

    public IAsyncEnumerable<WorkflowMetadata> GetAllInstancesAsync(WorkflowQuery? query = null, CancellationToken cancellationToken = default) =>
        Current.GetAllInstancesAsync(query, cancellationToken);

    public Task<WorkflowMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        Current.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellationToken);

    private IWorkflowClient Current => _bound.Value
        ?? throw new InvalidOperationException("the workflow client is bound per function invocation; use the one from [DurableClient]");

    private sealed class Scope(InvocationWorkflowClient owner, IWorkflowClient? previous) : IDisposable
    {
        public void Dispose() => owner._bound.Value = previous;
    }
}
