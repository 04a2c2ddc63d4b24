using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>
/// The container and blob a path-style request addresses (<c>/{account}/{container}[/{blob}]</c>),
/// read from the request target exactly as sent: signatures cover the escaped path, and blob names
/// may contain characters a decoded path would lose.
/// </summary>
internal sealed record BlobRequest(string Container, string? Blob, string EscapedPath, string EscapedQuery)
{
    public static BlobRequest Parse(HttpContext http, string account)
    {
        string target = http.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : http.Request.PathBase + http.Request.Path + http.Request.QueryString;
        int question = target.IndexOf('?', StringComparison.Ordinal);
        string path = question < 0 ? target : target[..question];
        string query = question < 0 ? string.Empty : target[question..];
        string[] segments = path.Split('/');
        if (segments.Length < 3 || segments[0].Length != 0 || segments[1] != account || segments[2].Length == 0)
        {
            throw new LocalBlobException(400, "InvalidUri", $"'{path}' is not /{account}/<container>[/<blob>].");
        }

        string container = Uri.UnescapeDataString(segments[2]);
        string? blob = segments.Length > 3 ? string.Join('/', segments[3..].Select(Uri.UnescapeDataString)) : null;
        return new BlobRequest(container, blob is { Length: > 0 } ? blob : null, path, query);
    }
}
