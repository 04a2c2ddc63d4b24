using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Core.Requests;

/// <summary>The kinds of resource a capture can run on; each has its own way to start, stop and deliver files.</summary>
public enum TargetKind
{
    VirtualMachine,
    ScaleSet,
    VpnGateway,
    VpnConnection,
    VirtualWanGateway,
    VirtualWanConnection,
    Firewall,
}

public static class TargetKinds
{
    private static readonly (string Type, TargetKind Kind)[] Types =
    [
        ("Microsoft.Compute/virtualMachines", TargetKind.VirtualMachine),
        ("Microsoft.Compute/virtualMachineScaleSets", TargetKind.ScaleSet),
        ("Microsoft.Network/virtualNetworkGateways", TargetKind.VpnGateway),
        ("Microsoft.Network/connections", TargetKind.VpnConnection),
        ("Microsoft.Network/vpnGateways", TargetKind.VirtualWanGateway),
        ("Microsoft.Network/vpnGateways/vpnConnections", TargetKind.VirtualWanConnection),
        ("Microsoft.Network/azureFirewalls", TargetKind.Firewall),
    ];

    public static IEnumerable<string> SupportedTypes => Types.Select(t => t.Type);

    public static bool TryClassify(ArmResourceId id, out TargetKind kind)
    {
        foreach ((string type, TargetKind candidate) in Types)
        {
            if (id.IsOfType(type))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Network Watcher captures (VMs, scale sets) stop themselves at their time limit; the others must be stopped.</summary>
    public static bool IsNetworkWatcher(this TargetKind kind) => kind is TargetKind.VirtualMachine or TargetKind.ScaleSet;
}
