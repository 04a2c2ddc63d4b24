using System.Globalization;
using CaptureOrchestrator.Api.Http;
using CaptureOrchestrator.Core.Alerts;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Api.Endpoints;

/// <summary>
/// POST /api/alerts: an Azure Monitor action group's webhook (common alert schema) starts the
/// capture its policy asks for, on the resource the alert fired on. The runbook, in order: who
/// calls; what the payload says; nothing for "Resolved"; which policy; which targets; nothing new
/// while a capture for this rule already runs there; the rule's hourly cap; then the one start
/// sequence every capture goes through.
/// </summary>
public static partial class AlertEndpoints
{
    /// <summary>Alert payloads are larger than ticket requests (log search alerts carry their query and links).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public static void Map(IEndpointRouteBuilder api) => api.MapPost("/alerts", (HttpContext http, ApiServices services) => ReceiveAsync(http, services, hostCheckedKey: false));

    /// <param name="http">The request.</param>
    /// <param name="api">The services.</param>
    /// <param name="hostCheckedKey">The host verified a key already (Azure Functions' function key).</param>
    public static async Task<IResult> ReceiveAsync(HttpContext http, ApiServices api, bool hostCheckedKey)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(api);
        CancellationToken cancellationToken = http.RequestAborted;
        ILogger logger = http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("CaptureOrchestrator.Api.Alerts") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        // 1. Who is calling: the URL key, the secure webhook's Entra token, or the host's function key.
        if (await api.AlertAuthentication.RefusalAsync(http.Request, hostCheckedKey, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            LogRefused(logger, refusal);
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Alert not authenticated", detail: refusal, type: "https://captureorchestrator.dev/problems/unauthorized");
        }

        // 2. The payload, in the common alert schema (400 naming the field).
        byte[]? body = await RequestSignatureMiddleware.ReadBodyAsync(http.Request, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large", detail: $"the alert is larger than {MaxBodyBytes} bytes", type: "https://captureorchestrator.dev/problems/too-large");
        }

        Validated<CommonAlert> parsed = CommonAlertSchema.Parse(body);
        if (Problems.Refusal(parsed) is { } invalid)
        {
            return invalid;
        }

        CommonAlert alert = parsed.Value!;

        // 3. The condition ended: there is nothing to capture any more.
        if (alert.Condition == AlertCondition.Resolved)
        {
            return Results.Ok(new { ignored = $"the alert '{alert.Rule}' is Resolved: captures start when an alert fires" });
        }

        // 4. The first policy that answers this rule, signal and target type.
        int index = api.Settings.Alerts.Policies.FindIndex(p => p.Matches(alert));
        if (index < 0)
        {
            LogNoPolicy(logger, alert.Rule, alert.SignalType);
            return Results.Ok(new { ignored = $"no capture policy answers the alert rule '{alert.Rule}' ({alert.SignalType}): CaptureOrchestrator:Alerts:Policies" });
        }

        CapturePolicy policy = api.Settings.Alerts.Policies[index];

        // 5. The targets, from what the alert fired on (400 naming the payload field).
        Validated<AlertCapturePlan> planned = AlertCapturePlanner.Plan(alert, policy);
        if (Problems.Refusal(planned) is { } unplannable)
        {
            return unplannable;
        }

        AlertCapturePlan plan = planned.Value!;

        // 6. Repeat firings while a capture for this rule runs on one of these targets are the same incident.
        //    (The same firing delivered again is not a repeat: the start sequence answers it with its own operation.)
        string own = OperationStarter.OperationId(CaptureEndpoints.Kind.IdPrefix, plan.Request.Ticket);
        if (await AlertHistory.RunningForAsync(api.Client, alert.Rule, plan.Request.Targets!, cancellationToken).ConfigureAwait(false) is { } running && running != own)
        {
            return Deduplicated(running, alert);
        }

        // 7. The rule's hourly cap: an alert that flaps must not capture without end.
        DateTimeOffset now = (http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        (int started, DateTimeOffset? oldest) = await AlertHistory.StartedSinceAsync(api.Client, alert.Rule, now.AddHours(-1), cancellationToken).ConfigureAwait(false);
        if (started >= policy.MaxCapturesPerHour)
        {
            int retryAfter = (int)Math.Ceiling(((oldest ?? now) + TimeSpan.FromHours(1) - now).TotalSeconds);
            http.Response.Headers.RetryAfter = Math.Max(1, retryAfter).ToString(CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Capture cap reached for this alert rule",
                detail: $"the alert rule '{alert.Rule}' started {started} captures in the last hour; policy '{policy.Name}' allows {policy.MaxCapturesPerHour} (MaxCapturesPerHour)",
                type: "https://captureorchestrator.dev/problems/alert-rate-cap");
        }

        // 8. The one start sequence of every capture: validation, scopes (403), what this deployment can serve, per-target limit.
        var adjust = new StartAdjustments(
            error => plan.InPayloadTerms(error, index),
            capture => capture with { Alert = plan.Alert },
            channels => [.. channels.Where(c => c != NotificationChannel.Teams || policy.Teams)]);
        IResult result = await OperationStarter.StartAsync(api, plan.Request, CaptureEndpoints.Kind, adjust, cancellationToken).ConfigureAwait(false);

        // Two firings racing each other: the second finds the first holding the target.
        if (result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status409Conflict }
            && await AlertHistory.RunningForAsync(api.Client, alert.Rule, plan.Request.Targets!, cancellationToken).ConfigureAwait(false) is { } raced)
        {
            return Deduplicated(raced, alert);
        }

        return result;
    }

    private static IResult Deduplicated(string operationId, CommonAlert alert) => Results.Ok(new
    {
        deduplicated = $"a capture for the alert rule '{alert.Rule}' is already running on this target",
        operationId,
        statusUrl = $"/api/captures/{operationId}",
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "No capture policy answers the alert rule {Rule} ({SignalType}); nothing started")]
    private static partial void LogNoPolicy(ILogger logger, string rule, string signalType);
}
