using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CaptureOrchestrator.Azure.Storage;

/// <summary>Signs each attempt with the account key (the Blob service's SharedKey scheme).</summary>
internal sealed class SharedKeyAuthenticationPolicy(StorageSharedKeyCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        Request request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        string signature = credential.Sign(StringToSign(request));
        request.Headers.SetValue("Authorization", $"SharedKey {credential.AccountName}:{signature}");
    }

    private string StringToSign(Request request)
    {
        long length = request.Content is not null && request.Content.TryComputeLength(out long l) ? l : 0;
        var text = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(Header(request, "Content-Encoding")).Append('\n')
            .Append(Header(request, "Content-Language")).Append('\n')
            .Append(length > 0 ? length.ToString(CultureInfo.InvariantCulture) : string.Empty).Append('\n')
            .Append(Header(request, "Content-MD5")).Append('\n')
            .Append(Header(request, "Content-Type")).Append('\n')
            .Append('\n') // Date: x-ms-date is used instead
            .Append(Header(request, "If-Modified-Since")).Append('\n')
            .Append(Header(request, "If-Match")).Append('\n')
            .Append(Header(request, "If-None-Match")).Append('\n')
            .Append(Header(request, "If-Unmodified-Since")).Append('\n')
            .Append(Header(request, "Range")).Append('\n');

        foreach (HttpHeader header in request.Headers
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Name.ToLowerInvariant(), StringComparer.Ordinal))
        {
            text.Append(header.Name.ToLowerInvariant()).Append(':').Append(header.Value.Trim()).Append('\n');
        }

        Uri uri = request.Uri.ToUri();
        text.Append('/').Append(credential.AccountName).Append(uri.AbsolutePath);
        foreach (IGrouping<string, string> parameter in ParseQuery(uri.Query).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(parameter.Key).Append(':').Append(string.Join(',', parameter.OrderBy(v => v, StringComparer.Ordinal)));
        }

        return text.ToString();
    }

    private static string Header(Request request, string name) => request.Headers.TryGetValue(name, out string? value) ? value : string.Empty;

    private static IEnumerable<IGrouping<string, string>> ParseQuery(string query) =>
        query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .GroupBy(
                pair => Uri.UnescapeDataString(pair[0]).ToLowerInvariant(),
                pair => pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : string.Empty);
}
