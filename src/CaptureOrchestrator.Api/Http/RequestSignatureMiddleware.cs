using System.Text;
using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Notifications;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Api.Http;

/// <summary>
/// Every /api call except health and the Event Grid webhook must carry an HMAC-SHA256 signature of
/// its timestamp, nonce, method, path and query, and body (<see cref="HmacSignature"/>): 401
/// otherwise, and for a state-changing request whose signature was already seen. Bodies over the
/// limit are refused with 413 before they are read to the end. The verified body is kept for the endpoint.
/// </summary>
public sealed partial class RequestSignatureMiddleware(RequestDelegate next, ServerSettings settings, TimeProvider time, ILogger<RequestSignatureMiddleware> logger)
{
    public const string BodyItem = "co.body";

    private readonly byte[]? _key = settings.Api.SigningKey is { Length: > 0 } key ? Encoding.UTF8.GetBytes(key) : null;
    private readonly ReplayGuard _replays = new(time, TimeSpan.FromSeconds(settings.Api.SignatureWindowSeconds));

    public async Task InvokeAsync(HttpContext context)
    {
        PathString path = context.Request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/api/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/api/events", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/api/alerts", StringComparison.OrdinalIgnoreCase)) // Azure Monitor cannot sign: alerts carry a URL key or an Entra token (AlertAuthentication)
        {
            await next(context);
            return;
        }

        if (await VerifyAsync(context, settings.Api, _key, _replays, time, logger) is { } rejection)
        {
            await rejection.ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>
    /// Reads the body within the size limit and checks its signature: null when the request may
    /// proceed (the body is then in <see cref="BodyItem"/>), else the 413 or 401 to answer.
    /// Both hosts call this (the Functions host from each HTTP trigger).
    /// </summary>
    public static async Task<IResult?> VerifyAsync(HttpContext context, ApiSettings settings, byte[]? key, ReplayGuard replays, TimeProvider time, ILogger logger)
    {
        byte[]? body = await ReadBodyAsync(context.Request, settings.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                detail: $"the body is larger than {settings.MaxBodyBytes} bytes", type: "https://captureorchestrator.dev/problems/too-large");
        }

        HttpRequest request = context.Request;
        string? header = request.Headers[HmacSignature.HeaderName];
        string pathAndQuery = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        string reason = "no signing key is configured on the server (CaptureOrchestrator__Api__SigningKey)";
        bool outdated = false;
        if (key is null || !HmacSignature.Verify(key, request.Method, pathAndQuery, body, header, time.GetUtcNow(), TimeSpan.FromSeconds(settings.SignatureWindowSeconds), out reason, out outdated))
        {
            // Why a signature fails is not told to the caller (wrong key or tampered looks alike), except an outdated scheme.
            return Unauthorized(context, logger, reason, outdated ? reason
                : $"sign the request: {HmacSignature.HeaderName}: t=<unix seconds>,n=<nonce>,v2=<hex HMAC-SHA256 of \"v2\\n{{t}}\\n{{n}}\\n{{METHOD}}\\n{{path and query}}\\n{{hex SHA-256 of the body}}\"> (docs/server.md)");
        }

        // A state-changing request is taken once: the same signed request again is a replay.
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !replays.FirstUse(header!))
        {
            return Unauthorized(context, logger, "replayed signature", "this signed request was already received: sign every request anew, with a fresh nonce");
        }

        context.Items[BodyItem] = body;
        return null;
    }

    private static IResult Unauthorized(HttpContext context, ILogger logger, string reason, string detail)
    {
        LogRejected(logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, reason);
        context.Response.Headers.WWWAuthenticate = "HMAC-SHA256 header=\"" + HmacSignature.HeaderName + "\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Signature required", detail: detail, type: "https://captureorchestrator.dev/problems/unauthorized");
    }

    /// <summary>The whole body, or null when it exceeds the limit.</summary>
    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string method, string path, string reason);
}
