using CaptureOrchestrator.Azure.Storage;

namespace CaptureOrchestrator.Activities;

/// <summary>
/// The capture storage account: container clients by name or by blob URL, and SAS links signed the
/// way the account allows (user delegation with Entra ID, or the key for Azurite and the self-hosted
/// server's local store). URLs outside the configured endpoint are refused, so credentials never go elsewhere.
/// </summary>
public sealed class BlobStore
{
    private readonly Lazy<string> _root;
    private readonly Lazy<string>? _linkRoot;
    private readonly Func<Uri, BlobContainerClient> _createContainer;
    private readonly bool _signWithAccountKey;

    public BlobStore(Uri endpoint, Func<Uri, BlobContainerClient> createContainer, bool signWithAccountKey)
        : this(() => endpoint, createContainer, signWithAccountKey)
    {
    }

    /// <param name="endpoint">The account endpoint, asked for on first use (a self-hosted server knows its address only once it listens).</param>
    /// <param name="createContainer">A client for a container URL.</param>
    /// <param name="signWithAccountKey">SAS signed with the account key (else a user-delegation key from Entra ID).</param>
    /// <param name="linkEndpoint">Where SAS links point when others must reach the account at another address than this process does.</param>
    public BlobStore(Func<Uri> endpoint, Func<Uri, BlobContainerClient> createContainer, bool signWithAccountKey, Func<Uri>? linkEndpoint = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _root = new Lazy<string>(() => endpoint().AbsoluteUri.TrimEnd('/'));
        _linkRoot = linkEndpoint is null ? null : new Lazy<string>(() => linkEndpoint().AbsoluteUri.TrimEnd('/'));
        _createContainer = createContainer;
        _signWithAccountKey = signWithAccountKey;
    }

    public BlobContainerClient Container(string name) => _createContainer(new Uri(_root.Value + "/" + name));

    /// <summary>The container and blob name of a URL inside this account.</summary>
    public (BlobContainerClient Container, string BlobName) Locate(string blobUrl)
    {
        string root = _root.Value;
        string withoutQuery = blobUrl.Split('?')[0];
        if (!withoutQuery.StartsWith(root + "/", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{withoutQuery}' is not in the capture storage account {root}.");
        }

        string[] parts = withoutQuery[(root.Length + 1)..].Split('/', 2);
        return parts.Length == 2 && parts[1].Length > 0
            ? (Container(parts[0]), Uri.UnescapeDataString(parts[1]))
            : (Container(parts[0]), string.Empty);
    }

    public async Task<Uri> SasAsync(BlobContainerClient container, BlobSasPermissions permissions, DateTimeOffset expiresOn, string? blobName, CancellationToken cancellationToken)
    {
        Uri sas = _signWithAccountKey
            ? container.GenerateSasUri(permissions, expiresOn, blobName)
            : await container.GenerateUserDelegationSasUriAsync(permissions, expiresOn, blobName, cancellationToken).ConfigureAwait(false);
        return _linkRoot is null ? sas : new Uri(_linkRoot.Value + sas.AbsoluteUri[_root.Value.Length..]);
    }
}
