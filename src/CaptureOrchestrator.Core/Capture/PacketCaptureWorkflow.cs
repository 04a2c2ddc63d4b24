using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Capture;

/// <summary>
/// The capture runbook: flow trace on (if asked), every target captured in parallel, the report
/// stored, the results posted — and flow trace released and sessions cleaned up whatever happened.
/// </summary>
public sealed class PacketCaptureWorkflow : Workflow<CaptureOperation, CaptureOutcome>
{
    public const string Name = "PacketCapture";

    /// <summary>Raised by the cancel endpoint; payload: the reason (text).</summary>
    public const string CancelEvent = "Cancel";

    /// <summary>Delivery is retried for a good while: the report is safe in storage meanwhile.</summary>
    private static readonly WorkflowTaskOptions Delivery = TransientRetry.Options(maxAttempts: 8, TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(10));

    /// <summary>Raised when a BlobCreated notification matches target <paramref name="index"/>; payload: <see cref="CaptureFile"/>.</summary>
    public static string FileCreatedEvent(int index) => $"CaptureFileCreated-{index}";

    public override async Task<CaptureOutcome> RunAsync(IWorkflowContext context, CaptureOperation operation)
    {
        var progress = new ProgressBoard(context, operation.Targets);
        var problems = new List<string>();
        using var stopListening = new CancellationTokenSource();
        Task cancelRequested = context.WaitForExternalEvent<string>(CancelEvent, stopListening.Token);

        bool leaseHeld = operation.FlowTrace is not null && await TryLeaseAsync(context, operation, CaptureActivities.AcquireFlowTraceLease, problems);

        progress.Phase("Capturing");
        TargetOutcome[] targets = await Task.WhenAll(operation.Targets.Select(target =>
            new TargetCaptureSteps(context, operation, target, cancelRequested, progress).RunAsync())).ConfigureAwait(true);

        if (leaseHeld)
        {
            await TryLeaseAsync(context, operation, CaptureActivities.ReleaseFlowTraceLease, problems);
        }

        CaptureStatus status = StatusOf(targets, cancelRequested.IsCompleted);
        PathVerdict? path = null;
        if (operation.Path && status != CaptureStatus.Cancelled)
        {
            progress.Phase("Correlating");
            path = await CorrelatePathAsync(context, operation, targets, problems);
        }

        progress.Phase("Reporting");
        ReportLinks? report = await PublishReportAsync(context, operation, targets, status, path, problems);

        progress.Phase("Notifying");
        var deliveries = new List<DeliveryResult>();
        foreach (NotificationChannel channel in operation.NotificationChannels)
        {
            deliveries.Add(await NotifyAsync(context, new NotificationInput(channel, KindOf(status), operation, status, targets, report, path)));
        }

#pragma warning disable CA1849 // synchronous on purpose: the host schedules workflow code deterministically
        stopListening.Cancel();
#pragma warning restore CA1849
        progress.Phase(status.ToString());
        return new CaptureOutcome(operation.OperationId, status, targets, report, deliveries, problems, path);
    }

    private static CaptureStatus StatusOf(TargetOutcome[] targets, bool cancelled)
    {
        if (cancelled)
        {
            return CaptureStatus.Cancelled;
        }

        int analyzed = targets.Count(t => t.State == TargetState.Analyzed);
        return analyzed == targets.Length ? CaptureStatus.Succeeded : analyzed > 0 ? CaptureStatus.PartiallySucceeded : CaptureStatus.Failed;
    }

    private static NotificationKind KindOf(CaptureStatus status) => status switch
    {
        CaptureStatus.Succeeded or CaptureStatus.PartiallySucceeded => NotificationKind.CaptureCompleted,
        CaptureStatus.Cancelled => NotificationKind.CaptureCancelled,
        _ => NotificationKind.CaptureFailed,
    };

    private static async Task<bool> TryLeaseAsync(IWorkflowContext context, CaptureOperation operation, string activity, List<string> problems)
    {
        try
        {
            await context.CallActivityAsync(activity, new LeaseTicket(operation.FlowTrace!, operation.Ticket, operation.OperationId), TargetCaptureSteps.AzureCall);
            return true;
        }
        catch (WorkflowTaskFailedException failure)
        {
            // Flow trace is supporting evidence: the captures go ahead without it, and the ticket is told.
            problems.Add($"flow trace ({activity}): {failure.FailureDetails.ErrorMessage}");
            return false;
        }
    }

    /// <summary>
    /// The targets' captures correlated along the path, in the order the request gave. Needs two
    /// analysed targets; without them, or when it fails, the operation still reports each target.
    /// </summary>
    private static async Task<PathVerdict?> CorrelatePathAsync(IWorkflowContext context, CaptureOperation operation, TargetOutcome[] targets, List<string> problems)
    {
        PathPoint[] points = [.. targets
            .Where(t => t.State == TargetState.Analyzed && t.Analysis?.Files is { Count: > 0 })
            .Select(t => new PathPoint(t.Index, t.ResourceId[(t.ResourceId.LastIndexOf('/') + 1)..], t.Analysis!.Files!))];
        if (points.Length < 2)
        {
            problems.Add($"path: {points.Length} of {targets.Length} targets were analysed, and correlating a path needs two; each target's findings stand alone");
            return null;
        }

        try
        {
            return await context.CallActivityAsync<PathVerdict>(CaptureActivities.CorrelatePath, new CorrelatePathInput(operation.OperationId, operation.Ticket, points), TargetCaptureSteps.AzureCall);
        }
        catch (WorkflowTaskFailedException failure)
        {
            problems.Add("path: could not correlate the captures: " + failure.FailureDetails.ErrorMessage);
            return null;
        }
    }

    private static async Task<ReportLinks?> PublishReportAsync(IWorkflowContext context, CaptureOperation operation, TargetOutcome[] targets, CaptureStatus status, PathVerdict? path, List<string> problems)
    {
        try
        {
            return await context.CallActivityAsync<ReportLinks>(CaptureActivities.PublishReport, new PublishReportInput(operation, targets, status, path), TargetCaptureSteps.AzureCall);
        }
        catch (WorkflowTaskFailedException failure)
        {
            problems.Add($"the report could not be stored: {failure.FailureDetails.ErrorMessage}");
            return null;
        }
    }

    private static async Task<DeliveryResult> NotifyAsync(IWorkflowContext context, NotificationInput input)
    {
        try
        {
            return await context.CallActivityAsync<DeliveryResult>(CaptureActivities.Notify, input, Delivery);
        }
        catch (WorkflowTaskFailedException failure)
        {
            return new DeliveryResult(input.Channel, Delivered: false, Attempts: Delivery.Retry!.MaxAttempts, failure.FailureDetails.ErrorMessage);
        }
    }
}
