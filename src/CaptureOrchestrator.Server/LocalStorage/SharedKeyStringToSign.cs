using System.Globalization;
using System.Text;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>
/// The Blob service's SharedKey string-to-sign, as the service defines it: what a client
/// (Azure.Storage.Blobs with a StorageSharedKeyCredential) signs with the account key, recomputed by
/// the local blob store to check it. Tests sign with the SDK and check here.
/// </summary>
internal static class SharedKeyStringToSign
{
    /// <param name="method">The HTTP method, upper case.</param>
    /// <param name="headers">Every request header, by name (case-insensitive lookup is done here).</param>
    /// <param name="contentLength">The body's length; 0 is written as empty, as the service requires.</param>
    /// <param name="account">The account name.</param>
    /// <param name="escapedPath">The request path as sent (percent-escaped), starting with '/'.</param>
    /// <param name="query">The request query as sent, with or without the leading '?'.</param>
    public static string Build(string method, IEnumerable<KeyValuePair<string, string>> headers, long contentLength, string account, string escapedPath, string query)
    {
        KeyValuePair<string, string>[] all = [.. headers];
        string Header(string name) => all.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? string.Empty;
        string[] lines =
        [
            method, Header("Content-Encoding"), Header("Content-Language"),
            contentLength > 0 ? contentLength.ToString(CultureInfo.InvariantCulture) : string.Empty,
            Header("Content-MD5"), Header("Content-Type"),
            string.Empty, // Date: x-ms-date is used instead
            Header("If-Modified-Since"), Header("If-Match"), Header("If-None-Match"), Header("If-Unmodified-Since"), Header("Range"),
        ];
        var text = new StringBuilder();
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
        }

        foreach (KeyValuePair<string, string> header in all
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal))
        {
            text.Append(header.Key.ToLowerInvariant()).Append(':').Append(header.Value.Trim()).Append('\n');
        }

        text.Append('/').Append(account).Append(escapedPath);
        foreach (IGrouping<string, string> parameter in ParseQuery(query).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(parameter.Key).Append(':').Append(string.Join(',', parameter.OrderBy(v => v, StringComparer.Ordinal)));
        }

        return text.ToString();
    }

    private static IEnumerable<IGrouping<string, string>> ParseQuery(string query) =>
        query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .GroupBy(
                pair => Uri.UnescapeDataString(pair[0]).ToLowerInvariant(),
                pair => pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : string.Empty);
}
