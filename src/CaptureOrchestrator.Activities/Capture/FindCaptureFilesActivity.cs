using Azure.Storage.Blobs.Models;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>The capture files delivered so far: the blob Network Watcher named, or what the gateway/firewall put in the target's container.</summary>
internal sealed class FindCaptureFilesActivity(CaptureServices services) : Activity<CaptureSession, CaptureFile[]>
{
    private static readonly string[] CaptureExtensions = [".cap", ".pcap", ".pcapng"];

    public override async Task<CaptureFile[]> RunAsync(WorkflowActivityContext context, CaptureSession session, CancellationToken cancellationToken)
    {
        (StoreContainer container, string prefix) = await AzureErrors.Classify("locate the capture files", () => Task.FromResult(services.Blobs.Locate(session.FileLocation))).ConfigureAwait(false);
        IReadOnlyList<BlobItem> blobs = await AzureErrors.Classify("list the capture files", () => ListAsync(container, prefix, cancellationToken)).ConfigureAwait(false);
        // A firewall instance that saw no matching packet writes an empty file (FACTS.md (d) 5): that is an answer, not a missing file.
        bool emptyIsAnAnswer = session.Target.Kind == TargetKind.Firewall;
        return blobs
            .Select(b => (b.Name, Length: b.Properties.ContentLength ?? 0))
            .Where(b => (b.Length > 0 || emptyIsAnAnswer) && IsCaptureFile(b.Name))
            .Select(b => new CaptureFile(container.BlobUri(b.Name).AbsoluteUri, b.Length))
            .ToArray();
    }

    /// <summary>Whether the container holds a capture file already.</summary>
    internal static async Task<bool> HasCaptureFilesAsync(StoreContainer container, CancellationToken cancellationToken) =>
        (await AzureErrors.Classify("list the capture files", () => ListAsync(container, string.Empty, cancellationToken)).ConfigureAwait(false))
            .Any(b => IsCaptureFile(b.Name));

    internal static bool IsCaptureFile(string blobName) => CaptureExtensions.Any(e => blobName.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static async Task<IReadOnlyList<BlobItem>> ListAsync(StoreContainer container, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            return await container.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        }
        catch (global::Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return []; // the container appears with the first file
        }
    }
}
