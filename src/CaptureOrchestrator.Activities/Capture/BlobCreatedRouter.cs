using System.Text.Json;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>
/// Turns a BlobCreated notification into the event a waiting capture workflow listens for, so it
/// does not wait for its next poll. The blob names its waiter: gateway and firewall files land in
/// the target's own container "co-{operation}-{index}", Network Watcher writes "co-{operation}-{index}.cap".
/// Anything else is ignored; polling still finds every file without this.
/// </summary>
public static class BlobCreatedRouter
{
    private static readonly string[] CommittedApis = ["PutBlob", "PutBlockList", "CopyBlob", "FlushWithClose"];

    /// <param name="data">The event's <c>data</c> object (Event Grid schema or CloudEvents).</param>
    /// <returns>The operation told, or null when the blob is not a capture file of a running operation.</returns>
    public static async Task<string?> RouteAsync(IWorkflowClient workflows, JsonElement data, CancellationToken cancellationToken = default)
    {
        string? api = data.TryGetProperty("api", out JsonElement a) ? a.GetString() : null;
        string? url = data.TryGetProperty("url", out JsonElement u) ? u.GetString() : null;
        long length = data.TryGetProperty("contentLength", out JsonElement l) && l.TryGetInt64(out long n) ? n : 0;
        return url is null || !CommittedApis.Contains(api) || !Uri.TryCreate(url, UriKind.Absolute, out Uri? blob)
            ? null
            : await RouteAsync(workflows, blob, length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A committed blob, told directly (the self-hosted server's local store does, in place of Event Grid).</summary>
    /// <returns>The operation told, or null when the blob is not a capture file of a running operation.</returns>
    public static async Task<string?> RouteAsync(IWorkflowClient workflows, Uri blob, long length, CancellationToken cancellationToken = default)
    {
        if (Waiter(blob) is not { } waiter
            || await workflows.GetInstanceAsync(waiter.OperationId, cancellationToken: cancellationToken).ConfigureAwait(false) is not { IsRunning: true })
        {
            return null;
        }

        await workflows.RaiseEventAsync(waiter.OperationId, PacketCaptureWorkflow.FileCreatedEvent(waiter.Index), new CaptureFile(blob.AbsoluteUri, length), cancellationToken).ConfigureAwait(false);
        return waiter.OperationId;
    }

    private static (string OperationId, int Index)? Waiter(Uri blob)
    {
        string[] segments = blob.AbsolutePath.Trim('/').Split('/');
        string fileName = Path.GetFileNameWithoutExtension(segments[^1]);
        foreach (string candidate in segments.Where(s => s.StartsWith(CaptureNames.Prefix, StringComparison.Ordinal)).Append(fileName))
        {
            if (CaptureNames.TryParse(candidate, out string operationId, out int index))
            {
                return (operationId, index);
            }
        }

        return null;
    }
}
