namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>
/// One ARM request a client makes: method and path shape ("{}" for a name), and why.
/// <paramref name="Actions"/> names the RBAC actions when the published operation list does not
/// follow the path rule of <see cref="ArmOperations.ActionFor"/>.
/// </summary>
public sealed record ArmOperation(string Client, string Method, string PathTemplate, string Why, IReadOnlyList<string>? Actions = null)
{
    /// <summary>The RBAC actions the request needs.</summary>
    public IReadOnlyList<string> RbacActions => Actions ?? [ArmOperations.ActionFor(Method, PathTemplate)];
}

/// <summary>
/// Every ARM request the clients make, in one table, so the least-privilege role in
/// infra-bicep/modules/role-definition.bicep can be checked against the code (a test derives each
/// request's RBAC action and compares). Add a row when a client gains a request.
/// </summary>
public static class ArmOperations
{
    private const string Vm = "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/{}";
    private const string ScaleSet = "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachineScaleSets/{}";
    private const string Watcher = "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/networkWatchers/{}";
    private const string Firewall = "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/azureFirewalls/{}";
    private const string Settings = Firewall + "/providers/Microsoft.Insights/diagnosticSettings";

    public static IReadOnlyList<ArmOperation> All { get; } =
    [
        new("NetworkWatcherClient", "GET", "/subscriptions/{}/providers/Microsoft.Network/networkWatchers", "find the region's watcher; the sweeper lists them for leftover sessions"),
        new("NetworkWatcherClient", "PUT", Watcher + "/packetCaptures/{}", "start a VM or scale-set capture"),
        new("NetworkWatcherClient", "GET", Watcher + "/packetCaptures/{}", "read a capture session"),
        new("NetworkWatcherClient", "GET", Watcher + "/packetCaptures", "the sweeper lists sessions named co-*"),
        new("NetworkWatcherClient", "POST", Watcher + "/packetCaptures/{}/queryStatus", "is the session recording"),
        new("NetworkWatcherClient", "POST", Watcher + "/packetCaptures/{}/stop", "stop the session"),
        new("NetworkWatcherClient", "DELETE", Watcher + "/packetCaptures/{}", "clean up the session (its file stays)"),
        new("NetworkWatcherClient", "POST", Watcher + "/ipFlowVerify", "triage: does an NSG rule allow the 5-tuple"),
        new("NetworkWatcherClient", "POST", Watcher + "/nextHop", "triage: where does the packet go next"),
        new("NetworkWatcherClient", "POST", Watcher + "/connectivityCheck", "triage: can the VM reach the destination"),
        new("ArmOperationPoller", "GET", "/subscriptions/{}/providers/Microsoft.Network/locations/{}/operations/{}", "follow a network long-running operation"),
        new("ArmOperationPoller", "GET", "/subscriptions/{}/providers/Microsoft.Network/locations/{}/operationResults/{}", "read a network long-running operation's result"),
        new("ArmOperationPoller", "GET", "/subscriptions/{}/providers/Microsoft.Compute/locations/{}/operations/{}", "follow an agent installation"),
        new("NetworkWatcherAgentClient", "GET", Vm, "OS type and location of the VM"),
        new("NetworkWatcherAgentClient", "GET", Vm + "/extensions", "is the Network Watcher agent installed"),
        new("NetworkWatcherAgentClient", "PUT", Vm + "/extensions/{}", "install the Network Watcher agent"),
        new("NetworkWatcherAgentClient", "GET", ScaleSet, "OS type, upgrade policy and agent of the scale set"),
        new("NetworkWatcherAgentClient", "PUT", ScaleSet + "/extensions/{}", "install the agent on the scale set model"),
        new("NetworkWatcherAgentClient", "POST", ScaleSet + "/manualupgrade", "bring instances of a manual-upgrade scale set to the agent"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworkGateways/{}/startPacketCapture", "start a VPN gateway capture"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworkGateways/{}/stopPacketCapture", "stop it (uploads the file)"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/connections/{}/startPacketCapture", "start a capture on one connection"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/connections/{}/stopPacketCapture", "stop it (uploads the file)"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/vpnGateways/{}/startpacketcapture", "start a Virtual WAN VPN gateway capture"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/vpnGateways/{}/stoppacketcapture", "stop it (uploads the file)"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/vpnGateways/{}/vpnConnections/{}/startpacketcapture", "start a capture on one Virtual WAN connection"),
        new("VpnGatewayClient", "POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/vpnGateways/{}/vpnConnections/{}/stoppacketcapture", "stop it (uploads the file)"),
        new("AzureFirewallClient", "GET", Firewall, "SKU and management NIC (packet capture needs one)"),
        // The published operation list names "azurefirewalls/packetCapture/action" (described as
        // "AzureFirewallPacketCaptureOperation") and has no action for the packetCaptureOperation path.
        // Both grant firewall packet capture only; the role holds both, so the capture is authorized
        // whichever of the two ARM checks.
        new("AzureFirewallClient", "POST", Firewall + "/packetCaptureOperation", "start, query and stop a firewall capture",
            ["Microsoft.Network/azureFirewalls/packetCapture/action", "Microsoft.Network/azureFirewalls/packetCaptureOperation/action"]),
        new("DiagnosticSettingsClient", "GET", Settings, "which settings already send flow trace"),
        new("DiagnosticSettingsClient", "GET", Settings + "/{}", "read-modify-write of one setting"),
        new("DiagnosticSettingsClient", "PUT", Settings + "/{}", "switch the AZFWFlowTrace category on or off"),
        new("DiagnosticSettingsClient", "DELETE", Settings + "/{}", "remove the setting flow trace created"),
        new("FeatureClient", "GET", "/subscriptions/{}/providers/Microsoft.Features/providers/Microsoft.Network/features/{}", "is AFWEnableTcpConnectionLogging registered"),
        new("FeatureClient", "POST", "/subscriptions/{}/providers/Microsoft.Features/providers/Microsoft.Network/features/{}/register", "register it (once per subscription)"),
        new("FeatureClient", "POST", "/subscriptions/{}/providers/Microsoft.Network/register", "re-register the provider so the feature takes effect"),
    ];

    /// <summary>
    /// Actions Network Watcher checks on the caller's behalf when it writes a capture into the
    /// storage account (not requests of ours, but refused without them).
    /// </summary>
    public static IReadOnlyList<(string Action, string Why)> ImpliedActions { get; } =
    [
        ("Microsoft.Storage/storageAccounts/read", "Network Watcher reads the capture storage account named in the session"),
        ("Microsoft.Storage/storageAccounts/listKeys/action", "Network Watcher writes the capture file with the account's key on the caller's behalf"),
    ];

    /// <summary>The row a concrete request (method and path, no query) belongs to; null when no client is listed as making it.</summary>
    public static ArmOperation? Find(string method, string path)
    {
        string[] segments = path.TrimEnd('/').Split('/');
        return All.FirstOrDefault(operation => operation.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && Matches(operation.PathTemplate.Split('/'), segments));
    }

    private static bool Matches(string[] template, string[] segments) =>
        template.Length == segments.Length
        && template.Zip(segments).All(pair => pair.First == "{}" ? pair.Second.Length > 0 : pair.First.Equals(pair.Second, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The RBAC action ARM checks for a request: the resource type chain after the last provider
    /// namespace, then read/write/delete by method, or "{name}/action" for POST actions.
    /// Feature registration is authorized under Microsoft.Features/providers/features.
    /// </summary>
    public static string ActionFor(string method, string pathTemplate)
    {
        if (pathTemplate.Contains("/providers/Microsoft.Features/providers/", StringComparison.OrdinalIgnoreCase))
        {
            return "Microsoft.Features/providers/features/" + (method == "POST" ? pathTemplate[(pathTemplate.LastIndexOf('/') + 1)..] + "/action" : "read");
        }

        string[] segments = pathTemplate[(pathTemplate.LastIndexOf("/providers/", StringComparison.OrdinalIgnoreCase) + "/providers/".Length)..].Split('/');
        var types = new List<string> { segments[0] };
        string? action = null;
        for (int i = 1; i < segments.Length; i += 2)
        {
            bool named = i + 1 < segments.Length;
            if (!named && method == "POST")
            {
                action = segments[i];
                break;
            }

            types.Add(segments[i]);
        }

        string type = string.Join('/', types);
        return action is not null
            ? $"{type}/{action}/action"
            : $"{type}/{method switch { "GET" => "read", "PUT" => "write", "DELETE" => "delete", _ => throw new ArgumentException($"{method} {pathTemplate} has no action name") }}";
    }
}
