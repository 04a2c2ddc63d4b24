using CaptureOrchestrator.Azure.Compute;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>VMs and scale sets: the agent extension and the region's watcher. Firewalls: a management NIC. Gateways: nothing to prepare.</summary>
internal sealed class PrepareTargetActivity(CaptureServices services) : Activity<PrepareTargetInput, PreparedTarget>
{
    public override async Task<PreparedTarget> RunAsync(WorkflowActivityContext context, PrepareTargetInput input, CancellationToken cancellationToken)
    {
        CaptureTarget target = input.Target;
        if (target.Kind.IsNetworkWatcher())
        {
            AgentInstallation agent = await AzureErrors.Classify("check the Network Watcher agent", () =>
                services.Agent.EnsureInstalledAsync(target.ResourceId, target.Instances, cancellationToken)).ConfigureAwait(false);
            NetworkWatcher watcher = (await AzureErrors.Classify("find the Network Watcher for " + agent.Location, () =>
                services.NetworkWatcher.FindNetworkWatcherAsync(target.ResourceId.SubscriptionId, agent.Location, cancellationToken)).ConfigureAwait(false)).Value;
            string note = agent.AlreadyInstalled ? $"Network Watcher agent present ({agent.ExtensionName})" : $"installed the Network Watcher agent (NetworkWatcherAgent{agent.OsType})";
            return new PreparedTarget(target, watcher.Id.ToString(), [note]);
        }

        if (target.Kind == TargetKind.Firewall)
        {
            AzureFirewall firewall = (await AzureErrors.Classify("read the firewall", () => services.Firewall.GetAsync(target.ResourceId, cancellationToken)).ConfigureAwait(false)).Value;
            if (!firewall.SupportsPacketCapture)
            {
                throw new PermanentFailureException($"{target.ResourceId.Name} has no management NIC; Azure Firewall packet capture needs one (forced-tunneling / management subnet setup)");
            }
        }

        return new PreparedTarget(target, null, []);
    }
}
