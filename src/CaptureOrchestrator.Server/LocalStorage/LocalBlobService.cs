using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Azure.Storage.Sas;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>
/// The blob endpoint of the self-hosted server when no storage account is configured: the part of
/// the Blob REST API the product uses (create container, list, properties, ranged read, put blob,
/// blocks, delete), path style under <c>/{account}</c>, over <see cref="LocalBlobFiles"/>. The
/// orchestrator's own client signs with the account key; report links and gateway uploads carry a
/// SAS. Anything else is refused: every request is authenticated, and a SAS grants only its letters.
/// </summary>
internal sealed partial class LocalBlobService(LocalBlobFiles files, LocalBlobKey account, TimeProvider time, ILogger<LocalBlobService> logger)
{
    private const string ServiceVersion = "2024-11-04";
    private const int MaxListResults = 5000;
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(15);

    /// <summary>Called after a blob is committed (container, name, length): the local stand-in for Event Grid's BlobCreated.</summary>
    public Func<string, string, long, CancellationToken, Task>? BlobCreated { get; set; }

    public string AccountName => account.AccountName;

    public async Task HandleAsync(HttpContext http)
    {
        HttpResponse response = http.Response;
        response.Headers["x-ms-version"] = ServiceVersion;
        response.Headers["x-ms-request-id"] = http.TraceIdentifier;
        try
        {
            BlobRequest request = BlobRequest.Parse(http, account.AccountName);
            Access access = Authorize(http, request);
            await DispatchAsync(http, request, access).ConfigureAwait(false);
        }
        catch (LocalBlobException ex)
        {
            LogRefused(logger, http.Request.Method, http.Request.Path.Value ?? string.Empty, ex.Status, ex.Code, ex.Message);
            await WriteErrorAsync(http, ex.Status, ex.Code, ex.Message).ConfigureAwait(false);
        }
    }

    private async Task DispatchAsync(HttpContext http, BlobRequest request, Access access)
    {
        string method = http.Request.Method;
        string? restype = http.Request.Query["restype"];
        string? comp = http.Request.Query["comp"];
        if (request.Blob is null)
        {
            switch (method, restype, comp)
            {
                case ("PUT", "container", null):
                    access.Require(null);
                    http.Response.StatusCode = files.CreateContainer(request.Container)
                        ? StatusCodes.Status201Created
                        : throw new LocalBlobException(409, "ContainerAlreadyExists", "The specified container already exists.");
                    return;
                case ("GET", "container", "list"):
                    access.Require(BlobSasPermissions.List);
                    await ListAsync(http, request).ConfigureAwait(false);
                    return;
            }
        }
        else
        {
            RequireContainer(request.Container);
            switch (method, comp)
            {
                case ("HEAD", null):
                    access.Require(BlobSasPermissions.Read);
                    WriteProperties(http.Response, Existing(request));
                    return;
                case ("GET", null):
                    access.Require(BlobSasPermissions.Read);
                    await ReadAsync(http, request, Existing(request)).ConfigureAwait(false);
                    return;
                case ("PUT", null or "block" or "blocklist"):
                    access.Require(files.Find(request.Container, request.Blob) is null ? BlobSasPermissions.Create | BlobSasPermissions.Write : BlobSasPermissions.Write);
                    await WriteAsync(http, request, comp).ConfigureAwait(false);
                    return;
                case ("DELETE", null):
                    access.Require(BlobSasPermissions.Delete);
                    http.Response.StatusCode = files.Delete(request.Container, request.Blob)
                        ? StatusCodes.Status202Accepted
                        : throw new LocalBlobException(404, "BlobNotFound", "The specified blob does not exist.");
                    return;
            }
        }

        throw new LocalBlobException(400, "UnsupportedOperation",
            $"The local blob store does not support {method} with restype={restype ?? "-"} comp={comp ?? "-"} on a {(request.Blob is null ? "container" : "blob")}.");
    }

    private async Task ListAsync(HttpContext http, BlobRequest request)
    {
        RequireContainer(request.Container);
        IQueryCollection query = http.Request.Query;
        int max = int.TryParse(query["maxresults"], NumberStyles.None, CultureInfo.InvariantCulture, out int requested) && requested > 0 ? Math.Min(requested, MaxListResults) : MaxListResults;
        (IReadOnlyList<LocalBlob> blobs, string? next) = files.List(request.Container, query["prefix"], query["marker"], max);
        var document = new XElement("EnumerationResults",
            new XAttribute("ServiceEndpoint", $"{http.Request.Scheme}://{http.Request.Host}/{account.AccountName}"),
            new XAttribute("ContainerName", request.Container),
            new XElement("Prefix", (string?)query["prefix"] ?? string.Empty),
            new XElement("Blobs", blobs.Select(blob => new XElement("Blob",
                new XElement("Name", blob.Name),
                new XElement("Properties",
                    new XElement("Last-Modified", blob.LastModified.ToString("r", CultureInfo.InvariantCulture)),
                    new XElement("Etag", blob.ETag),
                    new XElement("Content-Length", blob.Length),
                    new XElement("Content-Type", blob.ContentType),
                    new XElement("BlobType", "BlockBlob"))))),
            new XElement("NextMarker", next ?? string.Empty));
        await WriteXmlAsync(http.Response, document).ConfigureAwait(false);
    }

    private async Task ReadAsync(HttpContext http, BlobRequest request, LocalBlob blob)
    {
        string? ifMatch = http.Request.Headers.IfMatch;
        if (ifMatch is not null && ifMatch != "*" && ifMatch.Trim('"') != blob.ETag)
        {
            throw new LocalBlobException(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.");
        }

        string? range = http.Request.Headers["x-ms-range"].FirstOrDefault() ?? http.Request.Headers.Range.FirstOrDefault();
        bool ranged = !string.IsNullOrEmpty(range);
        (long offset, long count) = Range(range, blob.Length);
        await using FileStream content = files.OpenRead(request.Container, request.Blob!);
        if (content.Length != blob.Length)
        {
            throw new LocalBlobException(412, "ConditionNotMet", "The blob changed while it was being read.");
        }

        WriteProperties(http.Response, blob);
        http.Response.ContentLength = count;
        if (ranged)
        {
            // As the service does: a ranged read answers 206 with Content-Range even when the range
            // covers the whole blob (Azure.Storage.Blobs' OpenRead learns the blob's length from it).
            http.Response.StatusCode = StatusCodes.Status206PartialContent;
            http.Response.Headers.ContentRange = $"bytes {offset}-{offset + count - 1}/{blob.Length}";
        }

        content.Position = offset;
        byte[] buffer = new byte[64 * 1024];
        for (long left = count; left > 0;)
        {
            int read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), http.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted).ConfigureAwait(false);
            left -= read;
        }
    }

    private async Task WriteAsync(HttpContext http, BlobRequest request, string? comp)
    {
        // The body may be a whole capture file; it streams to disk, so the API's small limit does not apply here.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        HttpRequest httpRequest = http.Request;
        string? contentType = httpRequest.Headers["x-ms-blob-content-type"].FirstOrDefault() ?? (comp is null ? httpRequest.ContentType : null);
        bool mustNotExist = httpRequest.Headers.IfNoneMatch == "*";
        LocalBlob committed;
        switch (comp)
        {
            case "block":
                string blockId = (string?)httpRequest.Query["blockid"] ?? throw new LocalBlobException(400, "MissingRequiredQueryParameter", "Put Block needs blockid.");
                await files.StageBlockAsync(request.Container, request.Blob!, blockId, httpRequest.Body, http.RequestAborted).ConfigureAwait(false);
                http.Response.StatusCode = StatusCodes.Status201Created;
                return;
            case "blocklist":
                committed = await files.CommitBlocksAsync(request.Container, request.Blob!, await BlockListAsync(httpRequest).ConfigureAwait(false), contentType, mustNotExist, http.RequestAborted).ConfigureAwait(false);
                break;
            default:
                if (!string.Equals(httpRequest.Headers["x-ms-blob-type"], "BlockBlob", StringComparison.Ordinal))
                {
                    throw new LocalBlobException(400, "InvalidHeaderValue", "The local blob store holds block blobs only: x-ms-blob-type must be BlockBlob.");
                }

                committed = await files.WriteAsync(request.Container, request.Blob!, httpRequest.Body, contentType, mustNotExist, http.RequestAborted).ConfigureAwait(false);
                break;
        }

        http.Response.StatusCode = StatusCodes.Status201Created;
        http.Response.Headers.ETag = Quoted(committed.ETag);
        http.Response.Headers.LastModified = committed.LastModified.ToString("r", CultureInfo.InvariantCulture);
        if (BlobCreated is { } notify)
        {
            try
            {
                await notify(request.Container, committed.Name, committed.Length, http.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The write succeeded; a waiting workflow still finds the file by polling.
                LogNotifyFailed(logger, committed.Name, ex);
            }
        }
    }

    private static async Task<IReadOnlyList<string>> BlockListAsync(HttpRequest request)
    {
        try
        {
            XDocument list = await XDocument.LoadAsync(request.Body, LoadOptions.None, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return [.. list.Root!.Elements().Where(e => e.Name.LocalName is "Latest" or "Committed" or "Uncommitted").Select(e => e.Value)];
        }
        catch (System.Xml.XmlException ex)
        {
            throw new LocalBlobException(400, "InvalidXmlDocument", $"The block list is not XML: {ex.Message}");
        }
    }

    /// <summary>SharedKey (the account key: everything) or a SAS (its permissions on its resource).</summary>
    private Access Authorize(HttpContext http, BlobRequest request)
    {
        HttpRequest httpRequest = http.Request;
        string? authorization = httpRequest.Headers.Authorization;
        if (authorization is not null)
        {
            VerifySharedKey(httpRequest, request, authorization);
            return Access.AccountKey;
        }

        Func<string, string?> query = name => httpRequest.Query[name].FirstOrDefault();
        if (!BlobSasValidator.IsPresent(query))
        {
            throw new LocalBlobException(403, "AuthenticationFailed", "The request carries neither a SharedKey authorization nor a SAS.");
        }

        BlobSasPermissions? granted = BlobSasValidator.Validate(account, request.Container, request.Blob, query, httpRequest.IsHttps, time.GetUtcNow(), out string? reason);
        return granted is { } permissions
            ? new Access(permissions)
            : throw new LocalBlobException(403, "AuthenticationFailed", $"Server failed to authenticate the request: {reason}.");
    }

    private void VerifySharedKey(HttpRequest httpRequest, BlobRequest request, string authorization)
    {
        string prefix = $"SharedKey {account.AccountName}:";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new LocalBlobException(403, "AuthenticationFailed", $"Server failed to authenticate the request: the Authorization header is not 'SharedKey {account.AccountName}:<signature>'.");
        }

        string? date = httpRequest.Headers["x-ms-date"].FirstOrDefault() ?? httpRequest.Headers.Date.FirstOrDefault();
        if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset signedAt)
            || (time.GetUtcNow() - signedAt).Duration() > ClockSkew)
        {
            throw new LocalBlobException(403, "AuthenticationFailed", "Server failed to authenticate the request: x-ms-date is missing or more than 15 minutes off.");
        }

        string stringToSign = SharedKeyStringToSign.Build(
            httpRequest.Method,
            httpRequest.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
            httpRequest.ContentLength ?? 0,
            account.AccountName,
            request.EscapedPath,
            request.EscapedQuery);
        byte[] expected = Encoding.ASCII.GetBytes(account.Sign(stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(authorization[prefix.Length..])))
        {
            throw new LocalBlobException(403, "AuthenticationFailed", "Server failed to authenticate the request: the SharedKey signature does not match (wrong key?).");
        }
    }

    private void RequireContainer(string container)
    {
        if (!files.ContainerExists(container))
        {
            throw new LocalBlobException(404, "ContainerNotFound", "The specified container does not exist.");
        }
    }

    private LocalBlob Existing(BlobRequest request) =>
        files.Find(request.Container, request.Blob!) ?? throw new LocalBlobException(404, "BlobNotFound", "The specified blob does not exist.");

    private static void WriteProperties(HttpResponse response, LocalBlob blob)
    {
        response.ContentLength = blob.Length;
        response.ContentType = blob.ContentType;
        response.Headers.ETag = Quoted(blob.ETag);
        response.Headers.LastModified = blob.LastModified.ToString("r", CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";
        response.Headers["x-ms-blob-type"] = "BlockBlob";
    }

    /// <summary>"bytes=a-b" or "bytes=a-" within the blob; the whole blob without a range.</summary>
    private static (long Offset, long Count) Range(string? header, long length)
    {
        if (string.IsNullOrEmpty(header))
        {
            return (0, length);
        }

        string[] bounds = header.StartsWith("bytes=", StringComparison.Ordinal) ? header[6..].Split('-') : [];
        if (bounds.Length != 2 || !long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out long start))
        {
            throw new LocalBlobException(400, "InvalidRange", $"'{header}' is not a range of the form bytes=start-end.");
        }

        long end = bounds[1].Length == 0 ? length - 1 : long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out long last) && last >= start ? Math.Min(last, length - 1) : -1;
        return start < length && end >= start
            ? (start, end - start + 1)
            : throw new LocalBlobException(416, "InvalidRange", $"The range {header} is not satisfiable for a blob of {length} bytes.");
    }

    private static string Quoted(string etag) => "\"" + etag + "\"";

    private static async Task WriteErrorAsync(HttpContext http, int status, string code, string message)
    {
        HttpResponse response = http.Response;
        response.StatusCode = status;
        response.Headers["x-ms-error-code"] = code;
        if (HttpMethods.IsHead(http.Request.Method))
        {
            return;
        }

        await WriteXmlAsync(response, new XElement("Error", new XElement("Code", code), new XElement("Message", message))).ConfigureAwait(false);
    }

    private static Task WriteXmlAsync(HttpResponse response, XElement document)
    {
        response.ContentType = "application/xml";
        return response.WriteAsync(new XDeclaration("1.0", "utf-8", null) + document.ToString(SaveOptions.DisableFormatting), response.HttpContext.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local blob store refused {Method} {Path}: {Status} {Code} {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, int status, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local blob store could not announce the new blob {Name}")]
    private static partial void LogNotifyFailed(ILogger logger, string name, Exception exception);

    /// <summary>What the caller may do: everything with the account key, the SAS letters otherwise.</summary>
    private readonly record struct Access(BlobSasPermissions? Permissions)
    {
        public static Access AccountKey => new(null);

        /// <param name="anyOf">Permissions any one of which allows the operation; null: account key only.</param>
        public void Require(BlobSasPermissions? anyOf)
        {
            if (Permissions is { } granted && (anyOf is not { } needed || (granted & needed) == 0))
            {
                throw new LocalBlobException(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
            }
        }
    }
}
