using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Api;

/// <summary>
/// The captures alerts started, read back from the workflow engine (the operation's input records
/// its alert): nothing is kept beside the engine, so both hosts and every instance see the same.
/// </summary>
internal static class AlertHistory
{
    private static readonly WorkflowRuntimeStatus[] Running = [WorkflowRuntimeStatus.Pending, WorkflowRuntimeStatus.Running];

    /// <summary>A running capture started by this alert rule on one of these targets; null when there is none.</summary>
    public static async Task<string?> RunningForAsync(IWorkflowClient client, string rule, IReadOnlyList<CaptureTargetRequest> targets, CancellationToken cancellationToken)
    {
        var wanted = targets.Select(t => t.ResourceId!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        await foreach ((WorkflowMetadata instance, CaptureOperation operation) in AlertCapturesAsync(client, rule, new WorkflowQuery(Statuses: Running, PageSize: 500, FetchInputsAndOutputs: true), cancellationToken).ConfigureAwait(false))
        {
            if (operation.Targets.Any(t => wanted.Contains(t.ResourceId.ToString())))
            {
                return instance.InstanceId;
            }
        }

        return null;
    }

    /// <summary>How many captures this rule started since <paramref name="since"/>, and when the first of them was.</summary>
    public static async Task<(int Count, DateTimeOffset? Oldest)> StartedSinceAsync(IWorkflowClient client, string rule, DateTimeOffset since, CancellationToken cancellationToken)
    {
        int count = 0;
        DateTimeOffset? oldest = null;
        await foreach ((WorkflowMetadata instance, _) in AlertCapturesAsync(client, rule, new WorkflowQuery(CreatedFrom: since, PageSize: 500, FetchInputsAndOutputs: true), cancellationToken).ConfigureAwait(false))
        {
            count++;
            DateTimeOffset created = instance.CreatedAt;
            oldest = oldest is null || created < oldest ? created : oldest;
        }

        return (count, oldest);
    }

    private static async IAsyncEnumerable<(WorkflowMetadata Instance, CaptureOperation Operation)> AlertCapturesAsync(
        IWorkflowClient client, string rule, WorkflowQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (WorkflowMetadata instance in client.GetAllInstancesAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (instance.Name == PacketCaptureWorkflow.Name && WorkflowPayload.Read<CaptureOperation>(instance.SerializedInput) is { Alert: { } alert } operation
                && string.Equals(alert.Rule, rule, StringComparison.OrdinalIgnoreCase))
            {
                yield return (instance, operation);
            }
        }
    }
}
