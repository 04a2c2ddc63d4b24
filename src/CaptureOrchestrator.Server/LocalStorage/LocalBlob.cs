namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>A stored blob: its name, size, version tag, time and content type.</summary>
internal sealed record LocalBlob(string Name, long Length, string ETag, DateTimeOffset LastModified, string ContentType);

/// <summary>A request the local store refuses, with the Blob service's status and error code.</summary>
internal sealed class LocalBlobException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;
}
