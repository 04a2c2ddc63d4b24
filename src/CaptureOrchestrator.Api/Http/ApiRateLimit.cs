using System.Threading.RateLimiting;
using CaptureOrchestrator.Api.Hosting;
using Microsoft.AspNetCore.Http;

namespace CaptureOrchestrator.Api.Http;

/// <summary>
/// The per-caller request limit, and its 429 answer, for both hosts: the self-host applies it as
/// ASP.NET Core middleware, the Functions host per HTTP trigger (per instance there).
/// </summary>
public static class ApiRateLimit
{
    /// <summary>Seconds a refused caller is told to wait: the length of the window.</summary>
    private const int RetryAfterSeconds = 60;

    /// <summary>The caller a request counts against: its address (behind a proxy, the proxy's).</summary>
    public static string CallerOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The fixed one-minute window of one caller.</summary>
    public static RateLimitPartition<string> Partition(string caller, ApiSettings settings) =>
        RateLimitPartition.GetFixedWindowLimiter(caller, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.RequestsPerMinute,
            Window = TimeSpan.FromSeconds(RetryAfterSeconds),
            QueueLimit = 0,
        });

    /// <summary>A limiter keyed by caller, for a host that checks each request itself.</summary>
    public static PartitionedRateLimiter<string> PerCaller(ApiSettings settings) =>
        PartitionedRateLimiter.Create<string, string>(caller => Partition(caller, settings));

    /// <summary>The answer to a refused request: 429, Retry-After, and a problem document that says the limit.</summary>
    public static IResult TooManyRequests(HttpContext http, ApiSettings settings)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            detail: $"at most {settings.RequestsPerMinute} requests per minute per caller", type: "https://captureorchestrator.dev/problems/rate-limited");
    }
}
