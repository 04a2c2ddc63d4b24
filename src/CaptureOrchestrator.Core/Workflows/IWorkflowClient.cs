namespace CaptureOrchestrator.Core.Workflows;

/// <summary>Lifecycle of a workflow instance (mirrors Durable Task's OrchestrationRuntimeStatus).</summary>
public enum WorkflowRuntimeStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Terminated,
    ContinuedAsNew,
}

/// <summary>What a status query returns (mirrors OrchestrationMetadata).</summary>
/// <param name="SerializedOutput">What the workflow returned, or what the client that terminated it gave; null while it runs and when it failed (see <paramref name="FailureDetails"/>).</param>
public sealed record WorkflowMetadata(
    string Name,
    string InstanceId,
    WorkflowRuntimeStatus RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string? SerializedInput,
    string? SerializedOutput,
    string? SerializedCustomStatus,
    WorkflowFailureDetails? FailureDetails)
{
    public bool IsRunning => RuntimeStatus is WorkflowRuntimeStatus.Pending or WorkflowRuntimeStatus.Running or WorkflowRuntimeStatus.ContinuedAsNew;
}

/// <summary>How to start an instance: a chosen id makes the start idempotent.</summary>
public sealed record StartWorkflowOptions(string? InstanceId = null, DateTimeOffset? StartAt = null);

/// <summary>
/// Filter for listing instances (mirrors OrchestrationQuery): listing returns every match, fetched
/// <paramref name="PageSize"/> at a time.
/// </summary>
public sealed record WorkflowQuery(
    IReadOnlyCollection<WorkflowRuntimeStatus>? Statuses = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    string? InstanceIdPrefix = null,
    int PageSize = 100,
    bool FetchInputsAndOutputs = false);

/// <summary>
/// The client side of the port (mirrors DurableTaskClient): what HTTP endpoints and the sweeper
/// use to start, inspect and steer workflow instances on either host.
/// </summary>
public interface IWorkflowClient
{
    /// <summary>
    /// Starts an instance. With <see cref="StartWorkflowOptions.InstanceId"/> set and an instance of
    /// that id already existing and running, returns the existing id instead of starting another.
    /// </summary>
    Task<string> ScheduleNewWorkflowInstanceAsync(string workflowName, object? input = null, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Null when no instance has that id.</summary>
    Task<WorkflowMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default);

    /// <summary>Delivers an event; buffered if the workflow is not waiting for it yet.</summary>
    Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default);

    Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a finished instance and its history; false when there was none.</summary>
    Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default);

    IAsyncEnumerable<WorkflowMetadata> GetAllInstancesAsync(WorkflowQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Waits until the instance is no longer running.</summary>
    Task<WorkflowMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default);
}
