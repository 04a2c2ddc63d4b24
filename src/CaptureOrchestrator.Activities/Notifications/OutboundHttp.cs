using System.Net;
using System.Net.Http.Headers;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Activities.Notifications;

/// <summary>
/// Every outbound notification request goes through here: the host must be on the allowlist (no
/// SSRF), failures worth retrying are thrown as they are, the rest become permanent failures.
/// </summary>
internal static class OutboundHttp
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>
    /// The Idempotency-Key header: the same for every retry and redelivery of one notification, so
    /// a receiver that sees it twice (a crash between sending and recording the send) can drop the repeat.
    /// </summary>
    public static Action<HttpRequestHeaders> Idempotent(string key) => headers => headers.Add(IdempotencyHeader, key);

    public static async Task PostAsync(CaptureServices services, Uri url, HttpContent content, string what, Action<HttpRequestHeaders>? headers, CancellationToken cancellationToken) =>
        await SendAsync(services, HttpMethod.Post, url, content, what, headers, cancellationToken).ConfigureAwait(false);

    public static async Task<string> SendAsync(CaptureServices services, HttpMethod method, Uri url, HttpContent? content, string what, Action<HttpRequestHeaders>? headers, CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback)
        {
            throw new PermanentFailureException($"{what}: {url.Scheme} URLs are not used for notifications; https only");
        }

        if (!HostAllowlist.Allows(services.Settings.AllowedOutboundHosts, url.Host))
        {
            throw new PermanentFailureException($"{what}: host '{url.Host}' is not on the outbound allowlist");
        }

        using var request = new HttpRequestMessage(method, url) { Content = content };
        headers?.Invoke(request.Headers);
        using HttpResponseMessage response = await services.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return body;
        }

        string problem = $"{what}: {(int)response.StatusCode} {response.ReasonPhrase}";
        bool retry = response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
        throw retry ? new HttpRequestException(problem, null, response.StatusCode) : new PermanentFailureException(problem);
    }
}
