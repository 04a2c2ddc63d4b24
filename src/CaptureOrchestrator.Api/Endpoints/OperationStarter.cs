using System.Security.Cryptography;
using System.Text;
using CaptureOrchestrator.Api.Http;
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
        CancellationToken cancellationToken = http.RequestAborted;

        // 1. The body, strictly: unknown fields, wrong types and oversize bodies are 400s naming the field.
        if (!JsonBody.TryRead(http, out TRequest? request, out IResult? bad))
        {
            return bad;
        }

        // 2. A retried POST (same ticket system, ticket and client request id) gets the same operation back.
        string operationId = OperationId(kind.IdPrefix, kind.TicketOf(request));
        if (await api.Client.GetInstanceAsync(operationId, cancellationToken: cancellationToken).ConfigureAwait(false) is { } existing && existing.Name == kind.WorkflowName)
        {
            return kind.Accepted(operationId, false);
        }

        // 3. The request's rules (400), and the scopes this deployment may touch (403).
        Validated<TOperation> validated = kind.Validate(request, api.Limits, operationId, api.Timings);
        if (Problems.Refusal(validated) is { } refused)
        {
            return refused;
        }

        // 4. Targets this deployment cannot see through to a report are refused before anything starts.
        TOperation operation = validated.Value!;
        CaptureOperation capture = kind.CaptureOf(operation);
        if (api.Support.Refusals(capture.Targets, kind.FieldPrefix) is { Count: > 0 } unsupported)
        {
            return Problems.Invalid(unsupported);
        }

        // 5. Where the verdict goes, then start under the per-target concurrency limit (409 when busy).
        operation = kind.WithCapture(operation, capture with { NotificationChannels = api.ChannelsFor(capture) });
        OperationTags.OnRequest(operationId, capture.Ticket);
        StartOutcome started = await TargetConcurrency.StartAsync(api, kind.WorkflowName, operationId, operation, capture.Targets, kind.FieldPrefix, cancellationToken).ConfigureAwait(false);
        return started.Busy.Count > 0 ? Problems.Busy(started.Busy) : kind.Accepted(operationId, started.Created);
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
