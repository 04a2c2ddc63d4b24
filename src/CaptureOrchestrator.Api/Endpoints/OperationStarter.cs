using System.Security.Cryptography;
using System.Text;
using CaptureOrchestrator.Api.Http;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using Microsoft.AspNetCore.Http;

namespace CaptureOrchestrator.Api.Endpoints;

/// <summary>
/// What differs between the operations the API starts (a capture, a triage around a capture). The
/// start sequence itself is one, in <see cref="OperationStarter"/>.
/// </summary>
/// <typeparam name="TRequest">The request body.</typeparam>
/// <typeparam name="TOperation">The validated workflow input.</typeparam>
/// <param name="IdPrefix">Prefix of the operation id ("op", "tr").</param>
/// <param name="WorkflowName">The workflow the operation runs.</param>
/// <param name="FieldPrefix">Where the capture sits in the request body ("" or "capture."), for field names in refusals.</param>
/// <param name="TicketOf">The ticket of a request (it makes retried requests idempotent).</param>
/// <param name="Validate">The request's validator.</param>
/// <param name="CaptureOf">The capture inside the operation.</param>
/// <param name="WithCapture">The operation with its capture replaced.</param>
/// <param name="Accepted">The 202 answer, with the operation's links.</param>
internal sealed record OperationKind<TRequest, TOperation>(
    string IdPrefix,
    string WorkflowName,
    string FieldPrefix,
    Func<TRequest?, TicketReference?> TicketOf,
    Func<TRequest?, RequestLimits, string, CaptureTimings, Validated<TOperation>> Validate,
    Func<TOperation, CaptureOperation> CaptureOf,
    Func<TOperation, CaptureOperation, TOperation> WithCapture,
    Func<string, bool, IResult> Accepted)
    where TRequest : class
    where TOperation : class;

/// <summary>The one start sequence of every operation the API starts.</summary>
internal static class OperationStarter
{
    public static async Task<IResult> StartAsync<TRequest, TOperation>(HttpContext http, ApiServices api, OperationKind<TRequest, TOperation> kind)
        where TRequest : class
        where TOperation : class
    {
        // 1. The body, strictly: unknown fields, wrong types and oversize bodies are 400s naming the field.
        return JsonBody.TryRead(http, out TRequest? request, out IResult? bad)
            ? await StartAsync(api, request, kind, StartAdjustments.None, http.RequestAborted).ConfigureAwait(false)
            : bad;
    }

    /// <summary>Steps 2–5 for a request that did not come as a body of its own (an alert's capture).</summary>
    public static async Task<IResult> StartAsync<TRequest, TOperation>(ApiServices api, TRequest? request, OperationKind<TRequest, TOperation> kind, StartAdjustments adjust, CancellationToken cancellationToken)
        where TRequest : class
        where TOperation : class
    {
        // 2. A retried POST (same ticket system, ticket and client request id) gets the same operation back.
        string operationId = OperationId(kind.IdPrefix, kind.TicketOf(request));
        if (await api.Client.GetInstanceAsync(operationId, cancellationToken: cancellationToken).ConfigureAwait(false) is { } existing && existing.Name == kind.WorkflowName)
        {
            return kind.Accepted(operationId, false);
        }

        // 3. The request's rules (400), and the scopes this deployment may touch (403).
        Validated<TOperation> validated = kind.Validate(request, api.Limits, operationId, api.Timings);
        if (Problems.Refusal(validated with { Errors = [.. validated.Errors.Select(adjust.Rename)], Forbidden = [.. validated.Forbidden.Select(adjust.Rename)] }) is { } refused)
        {
            return refused;
        }

        // 4. Targets this deployment cannot see through to a report are refused before anything starts.
        TOperation operation = validated.Value!;
        CaptureOperation capture = adjust.Complete(kind.CaptureOf(operation));
        if (api.Support.Refusals(capture.Targets, kind.FieldPrefix) is { Count: > 0 } unsupported)
        {
            return Problems.Invalid([.. unsupported.Select(adjust.Rename)]);
        }

        // 5. Where the verdict goes, then start under the per-target concurrency limit (409 when busy).
        operation = kind.WithCapture(operation, capture with { NotificationChannels = adjust.Channels(api.ChannelsFor(capture)) });
        OperationTags.OnRequest(operationId, capture.Ticket);
        StartOutcome started = await TargetConcurrency.StartAsync(api, kind.WorkflowName, operationId, operation, capture.Targets, kind.FieldPrefix, cancellationToken).ConfigureAwait(false);
        return started.Busy.Count > 0 ? Problems.Busy([.. started.Busy.Select(adjust.Rename)]) : kind.Accepted(operationId, started.Created);
    }

    /// <summary>
    /// The operation id: derived from the ticket when the caller gave a client request id (so a
    /// retry finds the operation it started), random otherwise.
    /// </summary>
    internal static string OperationId(string prefix, TicketReference? ticket)
    {
        if (ticket is { System: { } system, Id: { } id, ClientRequestId: { } clientRequestId })
        {
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{system}\n{id}\n{clientRequestId}"));
            return $"{prefix}-{Convert.ToHexStringLower(hash)[..32]}";
        }

        return $"{prefix}-{Guid.NewGuid():N}";
    }
}

/// <summary>
/// How an operation that did not come from a ticket system's body differs (an alert's capture):
/// refusals name the caller's own fields, the operation records where it came from, and the policy
/// picks the channels.
/// </summary>
/// <param name="Rename">A refusal of the built request, named in the caller's terms.</param>
/// <param name="Complete">The validated capture, completed (for example with the alert it answers).</param>
/// <param name="Channels">The channels out of those the deployment would use.</param>
internal sealed record StartAdjustments(
    Func<FieldError, FieldError> Rename,
    Func<CaptureOperation, CaptureOperation> Complete,
    Func<IReadOnlyList<NotificationChannel>, IReadOnlyList<NotificationChannel>> Channels)
{
    public static StartAdjustments None { get; } = new(error => error, capture => capture, channels => channels);
}
