using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using CaptureOrchestrator.Azure.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CaptureOrchestrator.Azure.Storage;

/// <summary>
/// The part of the Blob REST API this product needs, on one container: create, list by prefix,
/// properties, ranged resumable download, block upload, delete, and SAS URLs. Entra ID tokens in
/// Azure; the account key for a local emulator.
/// </summary>
public class BlobContainerClient
{
    private readonly HttpPipeline _pipeline;
    private readonly BlobClientOptions _options;
    private readonly StorageSharedKeyCredential? _sharedKey;
    private UserDelegationKey? _delegationKey;

    public BlobContainerClient(Uri containerUri, TokenCredential credential, BlobClientOptions? options = null)
        : this(containerUri, options, sharedKey: null, new BearerTokenAuthenticationPolicy(credential ?? throw new ArgumentNullException(nameof(credential)), (options ?? new BlobClientOptions()).Audience.TrimEnd('/') + "/.default"))
    {
    }

    public BlobContainerClient(Uri containerUri, StorageSharedKeyCredential credential, BlobClientOptions? options = null)
        : this(containerUri, options, credential ?? throw new ArgumentNullException(nameof(credential)), new SharedKeyAuthenticationPolicy(credential))
    {
    }

    private BlobContainerClient(Uri containerUri, BlobClientOptions? options, StorageSharedKeyCredential? sharedKey, HttpPipelinePolicy authentication)
    {
        ArgumentNullException.ThrowIfNull(containerUri);
        _options = options ?? new BlobClientOptions();
        _sharedKey = sharedKey;
        (ServiceUri, AccountName, Name) = ParseContainerUri(containerUri);
        Uri = containerUri;
        ILogger logger = _options.LoggerFactory?.CreateLogger("CaptureOrchestrator.Azure.Blob") ?? NullLogger.Instance;
        _pipeline = HttpPipelineBuilder.Build(_options, perCallPolicies: [], perRetryPolicies: [authentication, new RequestIdLoggingPolicy(logger, "Blob")], new ResponseClassifier());
    }

    /// <summary>For mocking.</summary>
    protected BlobContainerClient()
    {
        _pipeline = null!;
        _options = null!;
        Uri = ServiceUri = null!;
        AccountName = Name = null!;
    }

    public Uri Uri { get; }

    public Uri ServiceUri { get; }

    public string AccountName { get; }

    public string Name { get; }

    /// <summary>The URL of a blob in this container (no SAS).</summary>
    public Uri GetBlobUri(string blobName) => new(Uri.AbsoluteUri.TrimEnd('/') + "/" + EscapeBlobName(blobName));

    /// <summary>Creates the container (private access) unless it exists; true when this call created it.</summary>
    public virtual async Task<Response<bool>> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Response response = await SendAsync(RequestMethod.Put, null, [("restype", "container")], null, null, cancellationToken).ConfigureAwait(false);
            return Response.FromValue(true, response);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode == "ContainerAlreadyExists")
        {
            return Response.FromValue(false, ex.GetRawResponse()!);
        }
    }

    /// <summary>Every blob whose name starts with <paramref name="prefix"/>, across pages.</summary>
    public virtual async Task<IReadOnlyList<BlobItem>> GetBlobsAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var blobs = new List<BlobItem>();
        string? marker = null;
        do
        {
            var query = new List<(string, string)> { ("restype", "container"), ("comp", "list") };
            if (!string.IsNullOrEmpty(prefix))
            {
                query.Add(("prefix", prefix));
            }

            if (marker is not null)
            {
                query.Add(("marker", marker));
            }

            Response response = await SendAsync(RequestMethod.Get, null, query, null, null, cancellationToken).ConfigureAwait(false);
            XElement root = ReadXml(response, "List blobs");
            foreach (XElement blob in root.Element("Blobs")?.Elements("Blob") ?? [])
            {
                XElement? properties = blob.Element("Properties");
                blobs.Add(new BlobItem(
                    (string?)blob.Element("Name") ?? string.Empty,
                    long.Parse((string?)properties?.Element("Content-Length") ?? "0", CultureInfo.InvariantCulture),
                    (string?)properties?.Element("Etag") ?? string.Empty,
                    DateTimeOffset.Parse((string?)properties?.Element("Last-Modified") ?? "1970-01-01T00:00:00Z", CultureInfo.InvariantCulture),
                    (string?)properties?.Element("Content-Type")));
            }

            marker = (string?)root.Element("NextMarker") is { Length: > 0 } next ? next : null;
        }
        while (marker is not null);

        return blobs;
    }

    public virtual async Task<Response<BlobItem>> GetPropertiesAsync(string blobName, CancellationToken cancellationToken = default)
    {
        Response response = await SendAsync(RequestMethod.Head, blobName, [], null, null, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(PropertiesOf(blobName, response), response);
    }

    /// <summary>
    /// A forward-only stream over the blob, fetched in ranges pinned to the blob's ETag; a range that
    /// fails part-way (dropped connection, timeout) is fetched again from where it stopped.
    /// </summary>
    public virtual async Task<Stream> OpenReadAsync(string blobName, CancellationToken cancellationToken = default)
    {
        BlobItem properties = (await GetPropertiesAsync(blobName, cancellationToken).ConfigureAwait(false)).Value;
        return new BlobRangeReadStream(this, blobName, properties.ContentLength, properties.ETag, _options.DownloadRangeSize, _options.MaxRangeAttempts);
    }

    /// <summary>Uploads a block blob: one Put Blob when small, otherwise blocks then the block list.</summary>
    /// <param name="overwrite">When false an existing blob is kept and the call fails with BlobAlreadyExists.</param>
    public virtual async Task<Response<BlobItem>> UploadAsync(string blobName, Stream content, string? contentType = null, bool overwrite = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var headers = new List<(string, string)> { ("x-ms-blob-content-type", contentType ?? "application/octet-stream") };
        if (!overwrite)
        {
            headers.Add(("If-None-Match", "*"));
        }

        byte[] first = await ReadBlockAsync(content, _options.UploadBlockSize, cancellationToken).ConfigureAwait(false);
        if (first.Length < _options.UploadBlockSize)
        {
            Response single = await SendAsync(RequestMethod.Put, blobName, [], [.. headers, ("x-ms-blob-type", "BlockBlob")], first, cancellationToken).ConfigureAwait(false);
            return Response.FromValue(new BlobItem(blobName, first.Length, Header(single, "ETag"), DateTimeOffset.UtcNow, contentType), single);
        }

        var blockIds = new List<string>();
        long total = 0;
        for (byte[] block = first; block.Length > 0; block = await ReadBlockAsync(content, _options.UploadBlockSize, cancellationToken).ConfigureAwait(false))
        {
            // Ids must all have the same length before base64; a zero-padded counter does.
            string id = Convert.ToBase64String(Encoding.ASCII.GetBytes(blockIds.Count.ToString("D6", CultureInfo.InvariantCulture)));
            await SendAsync(RequestMethod.Put, blobName, [("comp", "block"), ("blockid", id)], null, block, cancellationToken).ConfigureAwait(false);
            blockIds.Add(id);
            total += block.Length;
        }

        var list = new XElement("BlockList", blockIds.Select(id => new XElement("Latest", id)));
        byte[] body = Encoding.UTF8.GetBytes(new XDeclaration("1.0", "utf-8", null) + list.ToString(SaveOptions.DisableFormatting));
        Response committed = await SendAsync(RequestMethod.Put, blobName, [("comp", "blocklist")], headers, body, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(new BlobItem(blobName, total, Header(committed, "ETag"), DateTimeOffset.UtcNow, contentType), committed);
    }

    /// <summary>Deletes the blob; true when it existed.</summary>
    public virtual async Task<bool> DeleteIfExistsAsync(string blobName, CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(RequestMethod.Delete, blobName, [], null, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>A service SAS signed with the account key (emulator and self-hosting).</summary>
    /// <param name="blobName">The blob, or null for the container.</param>
    public Uri GenerateSasUri(BlobSasPermissions permissions, DateTimeOffset expiresOn, string? blobName = null)
    {
        if (_sharedKey is null)
        {
            throw new InvalidOperationException("This client authenticates with Entra ID; use GenerateUserDelegationSasUriAsync.");
        }

        var sas = new BlobSasBuilder(AccountName, Name, blobName, permissions, expiresOn, Uri.Scheme);
        return Append(blobName, sas.SignWithAccountKey(_sharedKey));
    }

    /// <summary>A user-delegation SAS (Entra ID): no account key involved; the key is fetched and cached.</summary>
    public virtual async Task<Uri> GenerateUserDelegationSasUriAsync(BlobSasPermissions permissions, DateTimeOffset expiresOn, string? blobName = null, CancellationToken cancellationToken = default)
    {
        UserDelegationKey key = _delegationKey is { } cached && cached.SignedExpiresOn >= expiresOn
            ? cached
            : _delegationKey = (await GetUserDelegationKeyAsync(DateTimeOffset.UtcNow.AddMinutes(-5), expiresOn.AddHours(1), cancellationToken).ConfigureAwait(false)).Value;
        var sas = new BlobSasBuilder(AccountName, Name, blobName, permissions, expiresOn, Uri.Scheme);
        return Append(blobName, sas.SignWithDelegationKey(key));
    }

    /// <summary>Get User Delegation Key on the account (needs an Entra ID token; at most 7 days).</summary>
    public virtual async Task<Response<UserDelegationKey>> GetUserDelegationKeyAsync(DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        var keyInfo = new XElement("KeyInfo", new XElement("Start", BlobSasBuilder.FormatTime(startsOn)), new XElement("Expiry", BlobSasBuilder.FormatTime(expiresOn)));
        byte[] body = Encoding.UTF8.GetBytes(new XDeclaration("1.0", "utf-8", null) + keyInfo.ToString(SaveOptions.DisableFormatting));
        HttpMessage message = CreateMessage(RequestMethod.Post, ServiceUri, null, [("restype", "service"), ("comp", "userdelegationkey")], null, body);
        Response response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        XElement key = ReadXml(response, "Get user delegation key");
        var result = new UserDelegationKey(
            (string?)key.Element("SignedOid") ?? string.Empty,
            (string?)key.Element("SignedTid") ?? string.Empty,
            DateTimeOffset.Parse((string?)key.Element("SignedStart") ?? string.Empty, CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string?)key.Element("SignedExpiry") ?? string.Empty, CultureInfo.InvariantCulture),
            (string?)key.Element("SignedService") ?? "b",
            (string?)key.Element("SignedVersion") ?? string.Empty,
            (string?)key.Element("Value") ?? throw new RequestFailedException(response.Status, "Get user delegation key: the answer has no key value.", "InvalidResponseBody", null));
        return Response.FromValue(result, response);
    }

    /// <summary>Reads bytes [offset, offset+count) of the blob, failing with 412 if it is no longer <paramref name="etag"/>.</summary>
    internal async Task<byte[]> DownloadRangeAsync(string blobName, long offset, int count, string etag, CancellationToken cancellationToken)
    {
        Response response = await SendAsync(RequestMethod.Get, blobName, [],
            [("x-ms-range", $"bytes={offset}-{offset + count - 1}"), ("If-Match", etag)], null, cancellationToken).ConfigureAwait(false);
        return response.Content.ToArray();
    }

    private Uri Append(string? blobName, string sasQuery) =>
        new((blobName is null ? Uri.AbsoluteUri.TrimEnd('/') : GetBlobUri(blobName).AbsoluteUri) + "?" + sasQuery);

    private Task<Response> SendAsync(RequestMethod method, string? blobName, IEnumerable<(string Name, string Value)> query, IEnumerable<(string Name, string Value)>? headers, byte[]? body, CancellationToken cancellationToken) =>
        SendAsync(CreateMessage(method, Uri, blobName, query, headers, body), cancellationToken);

    private HttpMessage CreateMessage(RequestMethod method, Uri baseUri, string? blobName, IEnumerable<(string Name, string Value)> query, IEnumerable<(string Name, string Value)>? headers, byte[]? body)
    {
        HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(baseUri);
        if (blobName is not null)
        {
            message.Request.Uri.AppendPath("/" + EscapeBlobName(blobName), escape: false);
        }

        foreach ((string name, string value) in query)
        {
            message.Request.Uri.AppendQuery(name, value);
        }

        message.Request.Headers.SetValue("x-ms-version", _options.ServiceVersion);
        foreach ((string name, string value) in headers ?? [])
        {
            message.Request.Headers.SetValue(name, value);
        }

        if (body is not null)
        {
            message.Request.Content = RequestContent.Create(body);
        }
        else if (method == RequestMethod.Put)
        {
            message.Request.Content = RequestContent.Create(ReadOnlyMemory<byte>.Empty);
        }

        return message;
    }

    private async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (message.Response.IsError)
            {
                // Storage errors carry the code in a header (and an XML body Azure.Core does not read).
                string? code = message.Response.Headers.TryGetValue("x-ms-error-code", out string? header) ? header : null;
                throw code is null
                    ? new RequestFailedException(message.Response)
                    : new RequestFailedException(message.Response.Status, $"Blob {message.Request.Method} {message.Request.Uri.Path} failed: {(HttpStatusCode)message.Response.Status} ({code}).", code, null);
            }

            return message.Response;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private static BlobItem PropertiesOf(string blobName, Response response) => new(
        blobName,
        long.Parse(Header(response, "Content-Length") is { Length: > 0 } length ? length : "0", CultureInfo.InvariantCulture),
        Header(response, "ETag"),
        DateTimeOffset.TryParse(Header(response, "Last-Modified"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset modified) ? modified : default,
        Header(response, "Content-Type") is { Length: > 0 } type ? type : null);

    private static string Header(Response response, string name) => response.Headers.TryGetValue(name, out string? value) ? value : string.Empty;

    private static XElement ReadXml(Response response, string operation)
    {
        try
        {
            return XDocument.Parse(response.Content.ToString()).Root ?? throw new System.Xml.XmlException("empty document");
        }
        catch (System.Xml.XmlException ex)
        {
            throw new RequestFailedException(response.Status, $"{operation}: the answer is not the documented XML ({ex.Message}).", "InvalidResponseBody", ex);
        }
    }

    private static async Task<byte[]> ReadBlockAsync(Stream content, int size, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[size];
        int filled = 0;
        while (filled < size)
        {
            int read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled == size ? buffer : buffer[..filled];
    }

    private static string EscapeBlobName(string blobName)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        if (blobName.Length > 1024)
        {
            throw new ArgumentException("A blob name is at most 1,024 characters.", nameof(blobName));
        }

        return string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));
    }

    /// <summary>
    /// Account and container from the URL: <c>https://{account}.blob.core.windows.net/{container}</c>, or
    /// the path style of an emulator or the self-hosted server's local store <c>http://127.0.0.1:10000/{account}/{container}</c>.
    /// </summary>
    private static (Uri Service, string Account, string Container) ParseContainerUri(Uri uri)
    {
        if (!uri.IsAbsoluteUri || !string.IsNullOrEmpty(uri.Query))
        {
            throw new ArgumentException($"'{uri}' is not a container URL (absolute, without a query).", nameof(uri));
        }

        string[] segments = uri.AbsolutePath.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        bool addressOnly = uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || uri.IsLoopback;
        if (segments.Length == 2)
        {
            return (new Uri(uri.GetLeftPart(UriPartial.Authority) + "/" + segments[0]), segments[0], segments[1]);
        }

        if (!addressOnly && segments.Length == 1)
        {
            return (new Uri(uri.GetLeftPart(UriPartial.Authority)), uri.Host.Split('.')[0], segments[0]);
        }

        throw new ArgumentException($"'{uri}' is not a container URL: expected https://account.blob.core.windows.net/container or http://host:port/account/container.", nameof(uri));
    }
}
