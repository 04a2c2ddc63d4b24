using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace CaptureOrchestrator.Activities.Storage;

/// <summary>One container of the capture account: what the activities do with it, each one Azure.Storage.Blobs call.</summary>
public sealed class StoreContainer
{
    /// <summary>Bytes read ahead per ranged GET when a capture is analysed: memory stays bounded whatever the file size.</summary>
    public const int ReadBufferBytes = 4 * 1024 * 1024;

    private readonly BlobStore _store;

    internal StoreContainer(BlobStore store, string name, BlobContainerClient client)
    {
        _store = store;
        Name = name;
        Client = client;
    }

    public string Name { get; }

    /// <summary>The SDK's client, for what this type does not cover.</summary>
    public BlobContainerClient Client { get; }

    /// <summary>The container's URL (no SAS).</summary>
    public Uri Uri => _store.UriOf(Name, null);

    /// <summary>A blob's URL in this container (no SAS).</summary>
    public Uri BlobUri(string blobName) => _store.UriOf(Name, blobName);

    /// <summary>Creates the container (private) unless it exists; true when this call created it.</summary>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken) =>
        await Client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Every blob whose name starts with <paramref name="prefix"/>, across pages.</summary>
    public async Task<IReadOnlyList<BlobItem>> ListAsync(string? prefix, CancellationToken cancellationToken)
    {
        var blobs = new List<BlobItem>();
        await foreach (BlobItem blob in Client.GetBlobsAsync(BlobTraits.None, BlobStates.None, string.IsNullOrEmpty(prefix) ? null : prefix, cancellationToken).ConfigureAwait(false))
        {
            blobs.Add(blob);
        }

        return blobs;
    }

    /// <summary>
    /// A forward-only stream over the blob, read <see cref="ReadBufferBytes"/> at a time; each range
    /// is pinned to the blob's ETag (a blob that changes mid-read fails instead of mixing versions)
    /// and retried by the client's retry policy on its own.
    /// </summary>
    public Task<Stream> OpenReadAsync(string blobName, CancellationToken cancellationToken) =>
        Client.GetBlobClient(blobName).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBufferBytes }, cancellationToken);

    /// <summary>Uploads a block blob.</summary>
    /// <param name="overwrite">When false an existing blob is kept and the call fails with BlobAlreadyExists (409).</param>
    public async Task UploadAsync(string blobName, Stream content, string contentType, bool overwrite, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        await Client.GetBlobClient(blobName).UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A SAS URL for the container (<paramref name="blobName"/> null) or one blob, granting <paramref name="permissions"/> until <paramref name="expiresOn"/>.</summary>
    public Task<Uri> SasAsync(BlobSasPermissions permissions, DateTimeOffset expiresOn, string? blobName, CancellationToken cancellationToken) =>
        _store.SasAsync(Name, blobName, permissions, expiresOn, cancellationToken);
}
