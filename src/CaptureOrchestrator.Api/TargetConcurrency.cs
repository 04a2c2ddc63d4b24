using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Api;

/// <summary>
/// The per-target concurrency limit: a request is refused (409) when one of its targets already has
/// as many running operations holding it — a capture session that may be open on it — as configured.
/// VPN gateways take one capture at a time, and two tickets capturing one VM usually mean one ticket.
/// </summary>
/// <remarks>
/// Checked and started under one lock per process. On Azure Functions with several instances two
/// simultaneous requests can still both pass; the service then refuses the second capture on a
/// gateway and the operation reports that.
/// </remarks>
internal static class TargetConcurrency
{
    private static readonly WorkflowRuntimeStatus[] Running = [WorkflowRuntimeStatus.Pending, WorkflowRuntimeStatus.Running];

    /// <summary>
    /// Starts the operation unless one of its targets is at the limit, or an operation with this id
    /// already exists (a retried request racing its original: only one of them starts it).
    /// </summary>
    public static async Task<StartOutcome> StartAsync(ApiServices api, string workflowName, string operationId, object input, IReadOnlyList<CaptureTarget> targets, string fieldPrefix, CancellationToken cancellationToken)
    {
        await api.StartGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await api.Client.GetInstanceAsync(operationId, cancellationToken: cancellationToken).ConfigureAwait(false) is not null)
            {
                return StartOutcome.AlreadyExists;
            }

            IReadOnlyList<FieldError> busy = await BusyTargetsAsync(api.Client, targets, fieldPrefix, api.Settings.Limits.MaxConcurrentOperationsPerTarget, cancellationToken).ConfigureAwait(false);
            if (busy.Count > 0)
            {
                return new StartOutcome(false, busy);
            }

            await api.Client.ScheduleNewWorkflowInstanceAsync(workflowName, input, new StartWorkflowOptions(operationId), cancellationToken).ConfigureAwait(false);
            return StartOutcome.Started;
        }
        finally
        {
            api.StartGate.Release();
        }
    }

    /// <summary>One error per requested target that is at the limit, naming the operations holding it.</summary>
    private static async Task<IReadOnlyList<FieldError>> BusyTargetsAsync(IWorkflowClient client, IReadOnlyList<CaptureTarget> targets, string fieldPrefix, int limit, CancellationToken cancellationToken)
    {
        Dictionary<string, List<string>> holders = await HoldersAsync(client, cancellationToken).ConfigureAwait(false);
        var busy = new List<FieldError>();
        foreach (CaptureTarget target in targets)
        {
            if (holders.TryGetValue(target.ResourceId.ToString(), out List<string>? operations) && operations.Count >= limit)
            {
                busy.Add(new FieldError($"{fieldPrefix}targets[{target.Index}].resourceId",
                    $"{target.ResourceId} is already being captured by {string.Join(", ", operations)}; at most {limit} running operation(s) per target (Limits:MaxConcurrentOperationsPerTarget)"));
            }
        }

        return busy;
    }

    /// <summary>Resource id → the running operations holding it.</summary>
    private static async Task<Dictionary<string, List<string>>> HoldersAsync(IWorkflowClient client, CancellationToken cancellationToken)
    {
        var running = new List<WorkflowMetadata>();
        await foreach (WorkflowMetadata instance in client.GetAllInstancesAsync(new WorkflowQuery(Statuses: Running, PageSize: 500, FetchInputsAndOutputs: true), cancellationToken).ConfigureAwait(false))
        {
            running.Add(instance);
        }

        HashSet<string> captures = running.Where(i => i.Name == PacketCaptureWorkflow.Name).Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        var holders = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (WorkflowMetadata instance in running)
        {
            foreach (string resourceId in HeldBy(instance, captures).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                (holders.TryGetValue(resourceId, out List<string>? list) ? list : holders[resourceId] = []).Add(instance.InstanceId);
            }
        }

        return holders;
    }

    private static IEnumerable<string> HeldBy(WorkflowMetadata instance, HashSet<string> captures)
    {
        if (instance.Name == PacketCaptureWorkflow.Name)
        {
            // Before its first status the workflow has not touched a target yet, but it is about to.
            return WorkflowPayload.Read<CaptureProgress>(instance.SerializedCustomStatus) is { } progress
                ? progress.Targets.Where(t => t.State.HoldsTarget()).Select(t => t.ResourceId)
                : WorkflowPayload.Read<CaptureOperation>(instance.SerializedInput)?.Targets.Select(t => t.ResourceId.ToString()) ?? [];
        }

        // A triage whose capture has not started yet holds its targets; once started, the capture is counted itself.
        return instance.Name == TriageWorkflow.Name && WorkflowPayload.Read<TriageOperation>(instance.SerializedInput) is { } triage && !captures.Contains(triage.Capture.OperationId)
            ? triage.Capture.Targets.Select(t => t.ResourceId.ToString())
            : [];
    }
}

/// <summary>What a start request came to: started by this call, or not (the operation existed, or targets are busy).</summary>
/// <param name="Created">This call started the operation.</param>
/// <param name="Busy">The targets at their limit (409); empty otherwise.</param>
internal sealed record StartOutcome(bool Created, IReadOnlyList<FieldError> Busy)
{
    public static StartOutcome Started { get; } = new(true, []);

    public static StartOutcome AlreadyExists { get; } = new(false, []);
}
