using System.Net.Http.Json;
using System.Text.Json;
using CaptureOrchestrator.Activities.Notifications;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.FlowTrace;

/// <summary>Switches flow trace on; the receipt (what changed) travels with the lease to the disable.</summary>
internal sealed class EnableFlowTraceActivity(CaptureServices services) : Activity<FlowTraceSwitchInput, string>
{
    public override async Task<string> RunAsync(WorkflowActivityContext context, FlowTraceSwitchInput input, CancellationToken cancellationToken)
    {
        FlowTraceChange change = await AzureErrors.Classify("switch flow trace on", () =>
            services.FlowTrace.EnableAsync(input.FirewallId, input.WorkspaceId, cancellationToken)).ConfigureAwait(false);
        return JsonSerializer.Serialize(change, WorkflowSerializer.Options);
    }
}

/// <summary>Undoes exactly what the enable changed (nothing, if flow trace was already on for someone else).</summary>
internal sealed class DisableFlowTraceActivity(CaptureServices services) : Activity<FlowTraceSwitchInput, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, FlowTraceSwitchInput input, CancellationToken cancellationToken)
    {
        FlowTraceChange change = JsonSerializer.Deserialize<FlowTraceChange>(input.Receipt ?? throw new PermanentFailureException("no receipt of the enable"), WorkflowSerializer.Options)
            ?? throw new PermanentFailureException("the enable receipt is empty");
        await AzureErrors.Classify("switch flow trace off", () => services.FlowTrace.DisableAsync(change, cancellationToken)).ConfigureAwait(false);
        return true;
    }
}

internal sealed class NotifyFlowTraceActivity(CaptureServices services) : Activity<FlowTraceNotice, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, FlowTraceNotice notice, CancellationToken cancellationToken)
    {
        if (services.Settings.TeamsWebhookUrl is not { } webhook)
        {
            return false;
        }

        string key = $"{context.InstanceId}/flowtrace/{notice.Kind}/{notice.UntilUtc?.ToString("O", System.Globalization.CultureInfo.InvariantCulture)}";
        await OutboundHttp.PostAsync(services, webhook, JsonContent.Create(TeamsCards.ForFlowTrace(notice)), "Teams webhook", OutboundHttp.Idempotent(key), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
