using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace CaptureOrchestrator.Activities.Storage;

/// <summary>
/// The capture storage account over Azure.Storage.Blobs: containers by name or by blob URL, and SAS
/// links signed the way the account allows: a user-delegation key from Entra ID on Azure (the
/// account has shared keys off), the account key for Azurite and the self-hosted server's local store.
/// URLs outside the configured endpoint are refused, so credentials never go elsewhere.
/// </summary>
/// <remarks>
/// Container and blob names are kept as the product named them and URLs are built from the
/// endpoint, not parsed back out of the SDK's clients: the SDK reads the account from the first path
/// segment only for IPv4 hosts and emulator ports, and the local store may be served at
/// http://localhost:5080/local.
/// </remarks>
public sealed class BlobStore
{
    private readonly Lazy<string> _root;
    private readonly Lazy<string>? _linkRoot;
    private readonly Lazy<BlobServiceClient> _service;
    private readonly Lazy<string> _accountName;
    private readonly StorageSharedKeyCredential? _accountKey;
    private UserDelegationKey? _delegationKey;

    private BlobStore(Func<Uri> endpoint, Func<Uri, BlobServiceClient> connect, StorageSharedKeyCredential? accountKey, Func<Uri>? linkEndpoint)
    {
        _root = new Lazy<string>(() => endpoint().AbsoluteUri.TrimEnd('/'));
        _linkRoot = linkEndpoint is null ? null : new Lazy<string>(() => linkEndpoint().AbsoluteUri.TrimEnd('/'));
        _service = new Lazy<BlobServiceClient>(() => connect(new Uri(_root.Value)));
        _accountKey = accountKey;
        _accountName = new Lazy<string>(() => accountKey?.AccountName ?? new BlobUriBuilder(new Uri(_root.Value)).AccountName);
    }

    /// <summary>An Azure Storage account reached with Entra ID (managed identity); SAS links are user-delegation SAS.</summary>
    public static BlobStore WithEntraId(Uri endpoint, TokenCredential credential, BlobClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new BlobStore(() => endpoint, uri => new BlobServiceClient(uri, credential, options), accountKey: null, linkEndpoint: null);
    }

    /// <summary>An account reached with its key (Azurite, or the self-hosted server's local store); SAS links are signed with it.</summary>
    /// <param name="endpoint">The account endpoint, asked for on first use (a self-hosted server knows its address only once it listens).</param>
    /// <param name="accountKey">The account name and key.</param>
    /// <param name="options">Client options (transport, retries, logging).</param>
    /// <param name="linkEndpoint">Where SAS links point when others reach the account at another address than this process does.</param>
    public static BlobStore WithAccountKey(Func<Uri> endpoint, StorageSharedKeyCredential accountKey, BlobClientOptions options, Func<Uri>? linkEndpoint = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(accountKey);
        return new BlobStore(endpoint, uri => new BlobServiceClient(uri, accountKey, options), accountKey, linkEndpoint);
    }

    /// <summary>The address SAS links point at: where a gateway or firewall uploads, and reports are read from.</summary>
    public Uri LinkEndpoint => new((_linkRoot ?? _root).Value);

    public StoreContainer Container(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new StoreContainer(this, name, _service.Value.GetBlobContainerClient(name));
    }

    /// <summary>The container and blob name of a URL inside this account (the blob name is empty for the container itself).</summary>
    /// <exception cref="ArgumentException">The URL is not in this account.</exception>
    public (StoreContainer Container, string BlobName) Locate(string blobUrl)
    {
        string root = _root.Value;
        string withoutQuery = blobUrl.Split('?')[0];
        if (!withoutQuery.StartsWith(root + "/", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{withoutQuery}' is not in the capture storage account {root}.");
        }

        string[] parts = withoutQuery[(root.Length + 1)..].Split('/', 2);
        return (Container(parts[0]), parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
    }

    internal Uri UriOf(string container, string? blobName) => new(_root.Value + PathOf(container, blobName));

    internal async Task<Uri> SasAsync(string container, string? blobName, BlobSasPermissions permissions, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        var sas = new BlobSasBuilder
        {
            BlobContainerName = container,
            BlobName = blobName ?? string.Empty,
            Resource = blobName is null ? "c" : "b",
            ExpiresOn = expiresOn,
            Protocol = _root.Value.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        sas.SetPermissions(permissions);
        BlobSasQueryParameters query = _accountKey is { } key
            ? sas.ToSasQueryParameters(key)
            : sas.ToSasQueryParameters(await DelegationKeyAsync(expiresOn, cancellationToken).ConfigureAwait(false), _accountName.Value);
        return new Uri((_linkRoot ?? _root).Value + PathOf(container, blobName) + "?" + query);
    }

    /// <summary>A user-delegation key valid past <paramref name="expiresOn"/>: fetched once and kept while it lasts (at most seven days).</summary>
    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        if (_delegationKey is { } cached && cached.SignedExpiresOn >= expiresOn)
        {
            return cached;
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset until = expiresOn.AddHours(1) < now.AddDays(7) ? expiresOn.AddHours(1) : now.AddDays(7);
        return _delegationKey = (await _service.Value.GetUserDelegationKeyAsync(now.AddMinutes(-5), until, cancellationToken).ConfigureAwait(false)).Value;
    }

    private static string PathOf(string container, string? blobName) =>
        "/" + container + (string.IsNullOrEmpty(blobName) ? string.Empty : "/" + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString)));
}
