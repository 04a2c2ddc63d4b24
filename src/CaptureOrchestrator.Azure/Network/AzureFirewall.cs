using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>What the orchestrator needs to know about a firewall before capturing on it.</summary>
public sealed record AzureFirewall(
    ArmResourceId Id,
    string Location,
    string? SkuName,
    string? SkuTier,
    bool HasManagementIpConfiguration,
    IReadOnlyDictionary<string, string> AdditionalProperties)
{
    /// <summary>Packet capture needs a management NIC (Basic and secured-hub firewalls always have one).</summary>
    public bool SupportsPacketCapture => HasManagementIpConfiguration
        || string.Equals(SkuTier, "Basic", StringComparison.OrdinalIgnoreCase)
        || string.Equals(SkuName, "AZFW_Hub", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The firewall's answer to a packet capture operation.</summary>
public sealed record FirewallPacketCaptureResult(string? StatusCode, string? Message)
{
    public bool IsInProgress => string.Equals(StatusCode, "AzureFirewallPacketCaptureInProgress", StringComparison.OrdinalIgnoreCase);

    public bool IsFailure => StatusCode is not null
        && (StatusCode.EndsWith("Failed", StringComparison.OrdinalIgnoreCase)
            || StatusCode.EndsWith("Failure", StringComparison.OrdinalIgnoreCase)
            || StatusCode.EndsWith("FailedToUpload", StringComparison.OrdinalIgnoreCase)
            || string.Equals(StatusCode, "NotImplemented", StringComparison.OrdinalIgnoreCase));
}
