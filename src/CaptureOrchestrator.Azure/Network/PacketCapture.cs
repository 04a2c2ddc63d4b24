using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>A packet capture session as Network Watcher reports it.</summary>
public sealed record PacketCapture(
    ArmResourceId Id,
    string Name,
    string? ETag,
    PacketCaptureProvisioningState ProvisioningState,
    PacketCaptureDefinition Definition);

/// <summary>The ARM provisioning state of a capture session (not whether it is capturing: see <see cref="PacketCaptureStatus"/>).</summary>
public readonly record struct PacketCaptureProvisioningState(string Value)
{
    public static PacketCaptureProvisioningState Succeeded { get; } = new("Succeeded");

    public static PacketCaptureProvisioningState Updating { get; } = new("Updating");

    public static PacketCaptureProvisioningState Deleting { get; } = new("Deleting");

    public static PacketCaptureProvisioningState Failed { get; } = new("Failed");

    public override string ToString() => Value;
}

/// <summary>Whether a capture is recording (PacketCaptures_GetStatus).</summary>
public sealed record PacketCaptureStatus(
    string Name,
    PacketCaptureState State,
    string? StopReason,
    DateTimeOffset? CaptureStartTime,
    IReadOnlyList<string> Errors);

/// <summary>NotStarted, Running, Stopped, Error or Unknown; other values the service may add pass through.</summary>
public readonly record struct PacketCaptureState(string Value)
{
    public static PacketCaptureState NotStarted { get; } = new("NotStarted");

    public static PacketCaptureState Running { get; } = new("Running");

    public static PacketCaptureState Stopped { get; } = new("Stopped");

    public static PacketCaptureState Error { get; } = new("Error");

    public static PacketCaptureState Unknown { get; } = new("Unknown");

    public bool Equals(PacketCaptureState other) => string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Value ?? string.Empty);

    public override string ToString() => Value;
}

/// <summary>A Network Watcher instance: one per region per subscription.</summary>
public sealed record NetworkWatcher(ArmResourceId Id, string Location);
