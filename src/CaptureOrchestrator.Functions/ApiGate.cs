using System.Net;
using System.Text;
using System.Threading.RateLimiting;
using CaptureOrchestrator.Core.Notifications;
using CaptureOrchestrator.Functions.Durable;
using CaptureOrchestrator.Server;
using CaptureOrchestrator.Server.Api;
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
    private readonly ApiServices _api = Composition.ApiFor(settings, new UnboundWorkflowClient());

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(caller =>
        RateLimitPartition.GetFixedWindowLimiter(caller, _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.Api.RequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

    public async Task<IActionResult> SignedAsync(HttpRequest request, DurableTaskClient client, Func<HttpContext, ApiServices, Task<IResult>> endpoint)
    {
        using RateLimitLease lease = _limiter.AttemptAcquire(request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (!lease.IsAcquired)
        {
            request.HttpContext.Response.Headers.RetryAfter = "60";
            return new EndpointResult(Results.Problem(statusCode: (int)HttpStatusCode.TooManyRequests, title: "Too many requests",
                detail: $"at most {settings.Api.RequestsPerMinute} requests per minute per caller", type: "https://captureorchestrator.dev/problems/rate-limited"));
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
