using System.Runtime.CompilerServices;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace CaptureOrchestrator.Functions.Durable;

/// <summary>The client side of the port over Durable Task's client (bound per invocation with [DurableClient]).</summary>
internal sealed class DurableWorkflowClient(DurableTaskClient inner) : IWorkflowClient
{
    public async Task<string> ScheduleNewWorkflowInstanceAsync(string workflowName, object? input = null, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default)
    {
        // The port's contract (like the embedded engine): an id that exists is not started again.
        // Durable Task would silently restart a finished instance of that id instead.
        if (options?.InstanceId is { } id && await inner.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is not null)
        {
            return id;
        }

        var start = new StartOrchestrationOptions(options?.InstanceId, options?.StartAt);
        return await inner.ScheduleNewOrchestrationInstanceAsync(workflowName, input, start, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WorkflowMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        Map(await inner.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false));

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) =>
        inner.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);

    public Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default) =>
        inner.TerminateInstanceAsync(instanceId, output, cancellationToken);

    public async Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await inner.PurgeInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false)).PurgedInstanceCount > 0;

    public async IAsyncEnumerable<WorkflowMetadata> GetAllInstancesAsync(WorkflowQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new WorkflowQuery();
        var filter = new OrchestrationQuery(
            CreatedFrom: query.CreatedFrom,
            CreatedTo: query.CreatedTo,
            Statuses: query.Statuses?.Select(Map).ToArray(),
            InstanceIdPrefix: query.InstanceIdPrefix,
            PageSize: query.PageSize,
            FetchInputsAndOutputs: query.FetchInputsAndOutputs);
        await foreach (OrchestrationMetadata instance in inner.GetAllInstancesAsync(filter).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return Map(instance)!;
        }
    }

    public async Task<WorkflowMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        Map(await inner.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false))!;

    private static WorkflowMetadata? Map(OrchestrationMetadata? instance) =>
        instance is null
            ? null
            : new WorkflowMetadata(
                instance.Name,
                instance.InstanceId,
                Map(instance.RuntimeStatus),
                instance.CreatedAt,
                instance.LastUpdatedAt,
                instance.SerializedInput,
                // Durable Task puts a failed orchestration's error text where the output goes; the
                // port keeps the output for what the workflow returned (the error is in the details).
                instance.RuntimeStatus == OrchestrationRuntimeStatus.Failed ? null : instance.SerializedOutput,
                instance.SerializedCustomStatus,
                instance.FailureDetails is { } failure ? DurableFailures.Map(failure) : null);

    // Durable Task shows an instance that continued as new as Running again; it keeps the
    // ContinuedAsNew and Canceled values only for compatibility and marks them obsolete.
#pragma warning disable CS0618
    private static WorkflowRuntimeStatus Map(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Pending => WorkflowRuntimeStatus.Pending,
        OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended => WorkflowRuntimeStatus.Running,
        OrchestrationRuntimeStatus.ContinuedAsNew => WorkflowRuntimeStatus.ContinuedAsNew,
        OrchestrationRuntimeStatus.Completed => WorkflowRuntimeStatus.Completed,
        OrchestrationRuntimeStatus.Failed => WorkflowRuntimeStatus.Failed,
        OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Canceled => WorkflowRuntimeStatus.Terminated,
        _ => WorkflowRuntimeStatus.Running, // a status added later: treated as alive, so nothing is cleaned up under it
    };
#pragma warning restore CS0618

    private static OrchestrationRuntimeStatus Map(WorkflowRuntimeStatus status) => status switch
    {
        WorkflowRuntimeStatus.Pending => OrchestrationRuntimeStatus.Pending,
        WorkflowRuntimeStatus.Running or WorkflowRuntimeStatus.ContinuedAsNew => OrchestrationRuntimeStatus.Running,
        WorkflowRuntimeStatus.Completed => OrchestrationRuntimeStatus.Completed,
        WorkflowRuntimeStatus.Failed => OrchestrationRuntimeStatus.Failed,
        _ => OrchestrationRuntimeStatus.Terminated,
    };
}
