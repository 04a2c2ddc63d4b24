using System.Text.Json.Serialization;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>What a Network Watcher packet capture records (the <c>properties</c> of PacketCaptures_Create).</summary>
public sealed record PacketCaptureDefinition
{
    /// <summary>The service's upper limit for <see cref="TimeLimitInSeconds"/> (5 hours).</summary>
    public const int MaxTimeLimitInSeconds = 18_000;

    /// <summary>The service's upper limit for the byte counts (uint32).</summary>
    public const long MaxBytes = 4_294_967_295;

    /// <summary>The VM or VM scale set to capture on.</summary>
    public required ArmResourceId Target { get; init; }

    public PacketCaptureTargetType TargetType { get; init; } = PacketCaptureTargetType.AzureVM;

    /// <summary>For a scale set: the instances to include or exclude; null or both empty means all.</summary>
    public PacketCaptureScope? Scope { get; init; }

    /// <summary>Bytes kept of each packet; 0 (the default) keeps whole packets.</summary>
    public long? BytesToCapturePerPacket { get; init; }

    /// <summary>The session stops after this many bytes (service default 1 GiB).</summary>
    public long? TotalBytesPerSession { get; init; }

    /// <summary>The session stops after this long (service default and maximum 18,000 s).</summary>
    public int? TimeLimitInSeconds { get; init; }

    public required PacketCaptureStorageLocation StorageLocation { get; init; }

    public IReadOnlyList<PacketCaptureFilter> Filters { get; init; } = [];

    /// <summary>The first thing wrong with this definition, named; null when it is valid.</summary>
    public string? Validate()
    {
        if (TargetType == PacketCaptureTargetType.AzureVM && !Target.IsOfType("Microsoft.Compute/virtualMachines"))
        {
            return $"target: {Target.ResourceType} is not a virtual machine (targetType AzureVM)";
        }

        if (TargetType == PacketCaptureTargetType.AzureVMSS && !Target.IsOfType("Microsoft.Compute/virtualMachineScaleSets"))
        {
            return $"target: {Target.ResourceType} is not a virtual machine scale set (targetType AzureVMSS)";
        }

        if (Scope is not null && TargetType != PacketCaptureTargetType.AzureVMSS && (Scope.Include.Count > 0 || Scope.Exclude.Count > 0))
        {
            return "scope: instance lists only apply to a scale set (targetType AzureVMSS)";
        }

        if (BytesToCapturePerPacket is < 0 or > MaxBytes)
        {
            return $"bytesToCapturePerPacket: {BytesToCapturePerPacket} is outside 0..{MaxBytes}";
        }

        if (TotalBytesPerSession is < 0 or > MaxBytes)
        {
            return $"totalBytesPerSession: {TotalBytesPerSession} is outside 0..{MaxBytes}";
        }

        if (TimeLimitInSeconds is < 0 or > MaxTimeLimitInSeconds)
        {
            return $"timeLimitInSeconds: {TimeLimitInSeconds} is outside 0..{MaxTimeLimitInSeconds}";
        }

        if (StorageLocation.StorageId is null && StorageLocation.StoragePath is null && string.IsNullOrEmpty(StorageLocation.FilePath))
        {
            return "storageLocation: give a storage account (storageId) or a local file path";
        }

        if (StorageLocation.StorageId is { } account && !account.IsOfType("Microsoft.Storage/storageAccounts"))
        {
            return $"storageLocation.storageId: {account.ResourceType} is not a storage account";
        }

        for (int i = 0; i < Filters.Count; i++)
        {
            if (Filters[i].Validate() is { } error)
            {
                return $"filters[{i}].{error}";
            }
        }

        return null;
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<PacketCaptureTargetType>))]
public enum PacketCaptureTargetType
{
    AzureVM,
    AzureVMSS,
}

/// <summary>Scale set instances (instance ids such as "0") to include or exclude.</summary>
public sealed record PacketCaptureScope
{
    public IReadOnlyList<string> Include { get; init; } = [];

    public IReadOnlyList<string> Exclude { get; init; } = [];
}

/// <summary>Where the capture file goes: a storage account (and the blob URL the service chose) and/or a path on the VM.</summary>
public sealed record PacketCaptureStorageLocation
{
    public ArmResourceId? StorageId { get; init; }

    public Uri? StoragePath { get; init; }

    public string? FilePath { get; init; }
}
