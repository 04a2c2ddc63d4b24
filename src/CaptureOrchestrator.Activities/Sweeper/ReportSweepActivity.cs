using System.Net.Http.Json;
using CaptureOrchestrator.Activities.Notifications;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Sweeper;

/// <summary>Tells the Teams channel what the sweeper switched off; no webhook configured, nothing sent.</summary>
internal sealed class ReportSweepActivity(CaptureServices services) : Activity<SweepOutcome, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, SweepOutcome outcome, CancellationToken cancellationToken)
    {
        if (services.Settings.TeamsWebhookUrl is not { } webhook)
        {
            return false;
        }

        await OutboundHttp.PostAsync(services, webhook, JsonContent.Create(TeamsCards.ForSweep(outcome)), "Teams webhook", OutboundHttp.Idempotent(context.InstanceId + "/sweep"), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
