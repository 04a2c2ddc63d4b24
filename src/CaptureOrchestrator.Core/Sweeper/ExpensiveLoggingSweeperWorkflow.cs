using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Sweeper;

/// <summary>
/// The safety net, run on a schedule: find flow trace and capture sessions still on past their
/// expiry — including those whose workflow died — switch them off, and say what was done.
/// </summary>
public sealed class ExpensiveLoggingSweeperWorkflow : Workflow<SweeperSettings, SweepOutcome>
{
    public const string Name = "ExpensiveLoggingSweeper";

    /// <summary>Prefix of every sweep's instance id.</summary>
    public const string InstanceIdPrefix = "sweep-";

    /// <summary>
    /// A sweep's id, from its schedule slot ("sweep-yyyyMMddHHmm"): both hosts' schedulers use it, so a
    /// restart, or a second instance, inside a slot does not sweep twice.
    /// </summary>
    public static string InstanceIdFor(DateTimeOffset slot) => InstanceIdPrefix + slot.UtcDateTime.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly WorkflowTaskOptions AzureCall = TransientRetry.Options(maxAttempts: 3, TimeSpan.FromSeconds(10));

    public override async Task<SweepOutcome> RunAsync(IWorkflowContext context, SweeperSettings settings)
    {
        DateTime now = context.CurrentUtcDateTime;
        ExpensiveLogging[] found = await context.CallActivityAsync<ExpensiveLogging[]>(SweeperActivities.FindExpensiveLogging, new SweepInput(now, settings.LookbackHours), AzureCall);

        (ExpensiveLogging Item, string Why)[] due = found
            .Select(item => (item, why: SweepPolicy.WhyDue(item, now, TimeSpan.FromMinutes(settings.GraceMinutes))))
            .Where(d => d.why is not null)
            .Select(d => (d.item, d.why!))
            .ToArray();

        (SweptItem Item, bool WasOn)[] results = await Task.WhenAll(due.Select(d => TurnOffAsync(context, d.Item, d.Why))).ConfigureAwait(true);
        var outcome = new SweepOutcome(
            now,
            found.Length,
            TurnedOff: results.Where(r => r.WasOn && r.Item.Problem is null).Select(r => r.Item).ToArray(),
            Failed: results.Where(r => r.Item.Problem is not null).Select(r => r.Item).ToArray(),
            AlreadyOff: results.Count(r => !r.WasOn && r.Item.Problem is null));

        if (outcome.TurnedOff.Count + outcome.Failed.Count > 0)
        {
            try
            {
                await context.CallActivityAsync(SweeperActivities.ReportSweep, outcome, AzureCall);
            }
            catch (WorkflowTaskFailedException)
            {
                // The outcome is the record; a missed card does not undo the sweep.
            }
        }

        return outcome;
    }

    private static async Task<(SweptItem Item, bool WasOn)> TurnOffAsync(IWorkflowContext context, ExpensiveLogging item, string why)
    {
        try
        {
            bool wasOn = await context.CallActivityAsync<bool>(SweeperActivities.TurnOff, item, AzureCall);
            return (new SweptItem(item, why, null), wasOn);
        }
        catch (WorkflowTaskFailedException failure)
        {
            return (new SweptItem(item, why, failure.FailureDetails.ErrorMessage), true);
        }
    }
}
