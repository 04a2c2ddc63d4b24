using System.Security.Cryptography;
using System.Text;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.FlowTrace;

/// <summary>
/// One instance per firewall: switches flow trace on once, keeps it on while any ticket holds the
/// lease, switches it off when the last holder's time is up or it leaves — and says so both times.
/// Holders are tracked one by one, so a second ticket can never cut the first one's time short and
/// flow trace is never switched on twice.
/// </summary>
public sealed class FlowTraceLeaseWorkflow : Workflow<FlowTraceLeaseState, FlowTraceLeaseOutcome>
{
    public const string Name = "FlowTraceLease";

    /// <summary>The event holders raise (payload: <see cref="LeaseRequest"/>).</summary>
    public const string RequestEvent = "LeaseRequest";

    /// <summary>Requests handled per generation before the history is trimmed with continue-as-new.</summary>
    public const int RequestsPerGeneration = 20;

    /// <summary>How long the lease listens for a late request before switching off (closes the race with a new holder).</summary>
    private static readonly TimeSpan LastCall = TimeSpan.FromSeconds(5);

    private static readonly WorkflowTaskOptions SwitchCall = TransientRetry.Options(maxAttempts: 6, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

    /// <summary>Every lease instance id starts with this.</summary>
    public const string InstanceIdPrefix = "flowtrace-";

    /// <summary>The singleton's id: derived from the firewall id (case-insensitively, as ARM compares ids).</summary>
    public static string InstanceIdFor(ArmResourceId firewallId)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(firewallId.ToString().ToLowerInvariant()));
        return InstanceIdPrefix + Convert.ToHexStringLower(hash)[..32];
    }

    public override async Task<FlowTraceLeaseOutcome> RunAsync(IWorkflowContext context, FlowTraceLeaseState state)
    {
        var holders = state.Holders.ToDictionary(h => h.Holder, h => h.ExpiresAtUtc, StringComparer.Ordinal);
        string? receipt = state.Receipt;
        if (receipt is null)
        {
            Publish(context, "Enabling", state.FirewallId, holders, null);
            try
            {
                receipt = await context.CallActivityAsync<string>(FlowTraceActivities.EnableFlowTrace, new FlowTraceSwitchInput(state.FirewallId, state.WorkspaceId), SwitchCall);
            }
            catch (WorkflowTaskFailedException failure)
            {
                string problem = failure.FailureDetails.ErrorMessage;
                Publish(context, "Failed", state.FirewallId, holders, null);
                await TellAsync(context, new FlowTraceNotice(NotificationKind.FlowTraceFailed, state.FirewallId, Snapshot(holders), null, problem));
                return new FlowTraceLeaseOutcome(state.FirewallId.ToString(), WasEnabled: false, Disabled: false, problem);
            }

            await TellAsync(context, new FlowTraceNotice(NotificationKind.FlowTraceEnabled, state.FirewallId, Snapshot(holders), Until(holders), null));
        }

        for (int handled = 0; ; handled++)
        {
            if (handled == RequestsPerGeneration)
            {
                context.ContinueAsNew(state with { Holders = Snapshot(holders), Receipt = receipt });
                return new FlowTraceLeaseOutcome(state.FirewallId.ToString(), WasEnabled: true, Disabled: false, null);
            }

            DropExpired(holders, context.CurrentUtcDateTime);
            Publish(context, "On", state.FirewallId, holders, receipt);
            TimeSpan wait = holders.Count == 0 ? LastCall : holders.Values.Min() - context.CurrentUtcDateTime;
            LeaseRequest? request = await NextRequestAsync(context, wait);
            if (request is null && holders.Count == 0)
            {
                break;
            }

            if (request is not null)
            {
                Apply(holders, request, context.CurrentUtcDateTime);
            }
        }

        Publish(context, "Disabling", state.FirewallId, holders, receipt);
        string? disableProblem = null;
        try
        {
            await context.CallActivityAsync(FlowTraceActivities.DisableFlowTrace, new FlowTraceSwitchInput(state.FirewallId, state.WorkspaceId, receipt), SwitchCall);
        }
        catch (WorkflowTaskFailedException failure)
        {
            // The sweeper finds flow trace left on past every lease and switches it off.
            disableProblem = failure.FailureDetails.ErrorMessage;
        }

        await TellAsync(context, disableProblem is null
            ? new FlowTraceNotice(NotificationKind.FlowTraceDisabled, state.FirewallId, [], null, null)
            : new FlowTraceNotice(NotificationKind.FlowTraceFailed, state.FirewallId, [], null, "could not switch flow trace off: " + disableProblem));
        Publish(context, disableProblem is null ? "Off" : "OffFailed", state.FirewallId, holders, receipt);
        return new FlowTraceLeaseOutcome(state.FirewallId.ToString(), WasEnabled: true, Disabled: disableProblem is null, disableProblem);
    }

    private static async Task<LeaseRequest?> NextRequestAsync(IWorkflowContext context, TimeSpan wait)
    {
        try
        {
            return await context.WaitForExternalEvent<LeaseRequest>(RequestEvent, wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1)).ConfigureAwait(true);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static void Apply(Dictionary<string, DateTime> holders, LeaseRequest request, DateTime now)
    {
        switch (request.Action)
        {
            case LeaseRequest.Acquire or LeaseRequest.Extend:
                DateTime until = now.AddMinutes(Math.Max(1, request.Minutes));
                // A holder's time only ever grows: a shorter request never cuts it back.
                holders[request.Holder] = holders.TryGetValue(request.Holder, out DateTime current) && current > until ? current : until;
                break;
            case LeaseRequest.Release:
                holders.Remove(request.Holder);
                break;
        }
    }

    private static void DropExpired(Dictionary<string, DateTime> holders, DateTime now)
    {
        foreach (string holder in holders.Where(h => h.Value <= now).Select(h => h.Key).ToArray())
        {
            holders.Remove(holder);
        }
    }

    private static async Task TellAsync(IWorkflowContext context, FlowTraceNotice notice)
    {
        try
        {
            await context.CallActivityAsync(FlowTraceActivities.NotifyFlowTrace, notice, SwitchCall);
        }
        catch (WorkflowTaskFailedException)
        {
            // A missed card must not keep flow trace on; the status endpoint still shows the state.
        }
    }

    private static void Publish(IWorkflowContext context, string state, ArmResourceId firewall, Dictionary<string, DateTime> holders, string? receipt) =>
        context.SetCustomStatus(new FlowTraceLeaseStatus(state, firewall.ToString(), Until(holders), Snapshot(holders), receipt));

    private static DateTime? Until(Dictionary<string, DateTime> holders) => holders.Count == 0 ? null : holders.Values.Max();

    private static LeaseHolder[] Snapshot(Dictionary<string, DateTime> holders) =>
        holders.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new LeaseHolder(h.Key, h.Value)).ToArray();
}
