using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Triage;

/// <summary>IP flow verify, next hop and connection troubleshoot for the triage 5-tuple, from the VM's region watcher.</summary>
internal sealed class DiagnosePathActivity(CaptureServices services) : Activity<PathCheckRequest, PathDiagnosis>
{
    public override async Task<PathDiagnosis> RunAsync(WorkflowActivityContext context, PathCheckRequest request, CancellationToken cancellationToken)
    {
        PathCheck check = request.Path;

        // Connection troubleshoot needs the Network Watcher agent too; this also gives the VM's region.
        var agent = await AzureErrors.Classify("read the VM", () => services.Agent.EnsureInstalledAsync(check.VirtualMachineId, null, cancellationToken)).ConfigureAwait(false);
        NetworkWatcher watcher = (await AzureErrors.Classify("find the Network Watcher", () =>
            services.NetworkWatcher.FindNetworkWatcherAsync(check.VirtualMachineId.SubscriptionId, agent.Location, cancellationToken)).ConfigureAwait(false)).Value;
        string remotePort = check.RemotePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string localPort = check.LocalPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*";

        IpFlowVerifyResult flow = (await AzureErrors.Classify("IP flow verify", () => services.NetworkWatcher.VerifyIpFlowAsync(watcher.Id, new IpFlowVerifyRequest
        {
            TargetResourceId = check.VirtualMachineId,
            Direction = check.Direction,
            Protocol = check.Protocol,
            LocalIPAddress = check.LocalIp,
            LocalPort = localPort,
            RemoteIPAddress = check.RemoteIp,
            RemotePort = remotePort,
        }, cancellationToken)).ConfigureAwait(false)).Value;

        NextHopResult hop = (await AzureErrors.Classify("next hop", () => services.NetworkWatcher.GetNextHopAsync(watcher.Id, new NextHopRequest
        {
            TargetResourceId = check.VirtualMachineId,
            SourceIPAddress = check.LocalIp,
            DestinationIPAddress = check.RemoteIp,
        }, cancellationToken)).ConfigureAwait(false)).Value;

        ConnectivityCheckResult? connectivity = null;
        if (check.Direction == "Outbound")
        {
            connectivity = (await AzureErrors.Classify("connection troubleshoot", () => services.NetworkWatcher.CheckConnectivityAsync(watcher.Id, new ConnectivityCheckRequest
            {
                Source = new ConnectivitySource(check.VirtualMachineId),
                Destination = new ConnectivityDestination(Address: check.RemoteIp, Port: check.RemotePort),
                Protocol = check.Protocol == "UDP" ? null : "Tcp",
            }, cancellationToken)).ConfigureAwait(false)).Value;
        }

        string[] issues = connectivity?.Hops
            .SelectMany(h => (h.Issues ?? []).Select(i => $"{h.Type} {i.Type} ({i.Severity})"))
            .Distinct(StringComparer.Ordinal)
            .ToArray() ?? [];
        return new PathDiagnosis(flow.Access, flow.RuleName, hop.NextHopType, hop.NextHopIpAddress, hop.RouteTableId, connectivity?.ConnectionStatus, issues);
    }
}
