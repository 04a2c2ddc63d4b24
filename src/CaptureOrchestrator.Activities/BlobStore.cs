using CaptureOrchestrator.Azure.Storage;

namespace CaptureOrchestrator.Activities;

/// <summary>
/// The capture storage account: container clients by name or by blob URL, and SAS links signed the
/// way the account allows (user delegation with Entra ID, or the key for Azurite).
/// URLs outside the configured endpoint are refused, so credentials never go elsewhere.
/// </summary>
public sealed class BlobStore(Uri endpoint, Func<Uri, BlobContainerClient> createContainer, bool signWithAccountKey)
{
    private readonly string _root = endpoint.AbsoluteUri.TrimEnd('/');

    public BlobContainerClient Container(string name) => createContainer(new Uri(_root + "/" + name));

    /// <summary>The container and blob name of a URL inside this account.</summary>
    public (BlobContainerClient Container, string BlobName) Locate(string blobUrl)
    {
        string withoutQuery = blobUrl.Split('?')[0];
        if (!withoutQuery.StartsWith(_root + "/", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{withoutQuery}' is not in the capture storage account {_root}.");
        }

        string[] parts = withoutQuery[(_root.Length + 1)..].Split('/', 2);
        return parts.Length == 2 && parts[1].Length > 0
            ? (Container(parts[0]), Uri.UnescapeDataString(parts[1]))
            : (Container(parts[0]), string.Empty);
    }

    public async Task<Uri> SasAsync(BlobContainerClient container, BlobSasPermissions permissions, DateTimeOffset expiresOn, string? blobName, CancellationToken cancellationToken) =>
        signWithAccountKey
            ? container.GenerateSasUri(permissions, expiresOn, blobName)
            : await container.GenerateUserDelegationSasUriAsync(permissions, expiresOn, blobName, cancellationToken).ConfigureAwait(false);
}
