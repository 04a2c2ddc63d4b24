using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Triage;

/// <summary>
/// The triage runbook: check the path and capture at the same time, then read the logs for the
/// capture window, and join it all into one verdict. Each piece that fails is reported, not fatal.
/// </summary>
public sealed class TriageWorkflow : Workflow<TriageOperation, TriageOutcome>
{
    public const string Name = "Triage";

    private static readonly WorkflowTaskOptions AzureCall = TransientRetry.Options(maxAttempts: 4, TimeSpan.FromSeconds(10));

    public override async Task<TriageOutcome> RunAsync(IWorkflowContext context, TriageOperation triage)
    {
        var problems = new List<string>();
        DateTime from = context.CurrentUtcDateTime;
        context.SetCustomStatus(new { phase = "CheckingPathAndCapturing" });

        Task<PathDiagnosis?> path = Attempt(context.CallActivityAsync<PathDiagnosis>(TriageActivities.DiagnosePath, new PathCheckRequest(context.InstanceId, triage.Capture.Ticket, triage.Path), AzureCall), "path checks", problems);
        Task<CaptureOutcome?> capture = Attempt(context.CallSubWorkflowAsync<CaptureOutcome>(PacketCaptureWorkflow.Name, triage.Capture.OperationId, triage.Capture), "capture", problems);
        await Task.WhenAll(path, capture).ConfigureAwait(true);

        LogEvidence? logs = null;
        if (triage.WorkspaceId is { } workspace)
        {
            context.SetCustomStatus(new { phase = "ReadingLogs" });
            logs = await Attempt(context.CallActivityAsync<LogEvidence>(TriageActivities.QueryLogs, new LogQuery(context.InstanceId, triage.Capture.Ticket, triage.Path, workspace, triage.FirewallId, from, context.CurrentUtcDateTime), AzureCall), "log queries", problems);
        }

        IReadOnlyList<string> verdict = TriageVerdict.Join(triage.Path, await path, logs, await capture);
        context.SetCustomStatus(new { phase = "Done" });
        return new TriageOutcome(verdict, await path, await capture, logs, problems);
    }

    private static async Task<T?> Attempt<T>(Task<T> step, string what, List<string> problems)
        where T : class
    {
        try
        {
            return await step.ConfigureAwait(true);
        }
        catch (WorkflowTaskFailedException failure)
        {
            problems.Add($"{what}: {failure.FailureDetails.ErrorMessage}");
            return null;
        }
    }
}
