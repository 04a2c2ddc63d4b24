using System.Text;
using System.Threading.RateLimiting;
using CaptureOrchestrator.Api;
using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Api.Http;
using CaptureOrchestrator.Core.Notifications;
using CaptureOrchestrator.Functions.Durable;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Functions;

/// <summary>
/// What the embedded server does in middleware, done per HTTP trigger: the per-caller rate limit
/// (per instance here), the body limit and the HMAC signature (on top of the function key), then
/// the same endpoint code as the embedded server, answering with the same problem documents.
/// </summary>
public sealed class ApiGate(ServerSettings settings, TimeProvider time, ILogger<ApiGate> logger) : IDisposable
{
    private readonly byte[]? _key = settings.Api.SigningKey is { Length: > 0 } key ? Encoding.UTF8.GetBytes(key) : null;
    private readonly ReplayGuard _replays = new(time, TimeSpan.FromSeconds(settings.Api.SignatureWindowSeconds));

    // Built once: the limits, and the start gate every request of this instance shares; only the client is per invocation.
    private readonly ApiServices _api = SharedComposition.ApiFor(settings, new InvocationWorkflowClient());

    private readonly PartitionedRateLimiter<string> _limiter = ApiRateLimit.PerCaller(settings.Api);

    public async Task<IActionResult> SignedAsync(HttpRequest request, DurableTaskClient client, Func<HttpContext, ApiServices, Task<IResult>> endpoint)
    {
        using RateLimitLease lease = _limiter.AttemptAcquire(ApiRateLimit.CallerOf(request.HttpContext));
        if (!lease.IsAcquired)
        {
            return new EndpointResult(ApiRateLimit.TooManyRequests(request.HttpContext, settings.Api));
        }

        if (await RequestSignatureMiddleware.VerifyAsync(request.HttpContext, settings.Api, _key, _replays, time, logger).ConfigureAwait(false) is { } rejection)
        {
            return new EndpointResult(rejection);
        }

        return new EndpointResult(await endpoint(request.HttpContext, _api.WithClient(new DurableWorkflowClient(client))).ConfigureAwait(false));
    }

    /// <summary>For the Event Grid webhook, which authenticates with its own key instead of a signature.</summary>
    public async Task<IActionResult> UnsignedAsync(HttpRequest request, DurableTaskClient client, Func<HttpContext, ApiServices, Task<IResult>> endpoint) =>
        new EndpointResult(await endpoint(request.HttpContext, _api.WithClient(new DurableWorkflowClient(client))).ConfigureAwait(false));

    public void Dispose() => _limiter.Dispose();

    /// <summary>Runs a minimal-API result inside the Functions ASP.NET Core integration.</summary>
    private sealed class EndpointResult(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
