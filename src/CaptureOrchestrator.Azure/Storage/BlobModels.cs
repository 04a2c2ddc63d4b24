namespace CaptureOrchestrator.Azure.Storage;

/// <summary>A blob as listed or read: name, size, version tag and time.</summary>
public sealed record BlobItem(string Name, long ContentLength, string ETag, DateTimeOffset LastModified, string? ContentType);

/// <summary>Letters in the order the service requires: r, a, c, w, d, l.</summary>
[Flags]
public enum BlobSasPermissions
{
    Read = 1,
    Add = 2,
    Create = 4,
    Write = 8,
    Delete = 16,
    List = 32,
}

/// <summary>A key from Entra ID that signs user-delegation SAS tokens; valid at most seven days.</summary>
public sealed record UserDelegationKey(
    string SignedObjectId,
    string SignedTenantId,
    DateTimeOffset SignedStartsOn,
    DateTimeOffset SignedExpiresOn,
    string SignedService,
    string SignedVersion,
    string Value);
