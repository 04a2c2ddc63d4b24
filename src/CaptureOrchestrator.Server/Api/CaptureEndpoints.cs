using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Server.Api;

/// <summary>POST /api/captures, GET /api/captures/{id}, POST /api/captures/{id}/cancel.</summary>
internal static class CaptureEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/captures", StartAsync);
        api.MapGet("/captures/{operationId}", GetAsync);
        api.MapPost("/captures/{operationId}/cancel", CancelAsync);
    }

    internal static async Task<IResult> StartAsync(HttpContext http, ApiServices api)
    {
        if (!JsonBody.TryRead(http, out CaptureRequest? request, out IResult? bad))
        {
            return bad;
        }

        // A retried POST (same ticket system, ticket and client request id) gets the same operation back.
        string operationId = OperationIdFor(request?.Ticket);
        if (await api.Client.GetInstanceAsync(operationId) is { Name: PacketCaptureWorkflow.Name })
        {
            return Accepted(operationId, created: false);
        }

        Validated<CaptureOperation> validated = CaptureRequestValidator.Validate(request, api.Limits, operationId, api.Timings);
        if (Problems.Refusal(validated) is { } refused)
        {
            return refused;
        }

        if (NeedsCaptureAccount(validated.Value!.Targets, api.Settings) is { Count: > 0 } unsupported)
        {
            return Problems.Invalid(unsupported);
        }

        CaptureOperation operation = validated.Value! with { NotificationChannels = api.Channels };
        OperationTags.OnRequest(operationId, operation.Ticket);
        IReadOnlyList<FieldError> busy = await TargetConcurrency.StartAsync(api, PacketCaptureWorkflow.Name, operationId, operation, operation.Targets, "", http.RequestAborted);
        return busy.Count > 0 ? Problems.Busy(busy) : Accepted(operationId, created: true);
    }

    internal static async Task<IResult> GetAsync(string operationId, ApiServices api)
    {
        WorkflowMetadata? instance = await api.Client.GetInstanceAsync(operationId, getInputsAndOutputs: true);
        return instance is { Name: PacketCaptureWorkflow.Name }
            ? Results.Ok(OperationStatus.From(instance))
            : Problems.NotFound($"no capture operation '{operationId}'");
    }

    internal static async Task<IResult> CancelAsync(string operationId, HttpContext http, ApiServices api)
    {
        WorkflowMetadata? instance = await api.Client.GetInstanceAsync(operationId);
        if (instance is not { Name: PacketCaptureWorkflow.Name })
        {
            return Problems.NotFound($"no capture operation '{operationId}'");
        }

        if (!instance.IsRunning)
        {
            return Problems.Conflict($"operation '{operationId}' already ended ({instance.RuntimeStatus})");
        }

        await api.Client.RaiseEventAsync(operationId, PacketCaptureWorkflow.CancelEvent, "cancelled through the API");
        return Results.Accepted($"/api/captures/{operationId}", new { operationId, status = "Cancelling" });
    }

    /// <summary>
    /// VM and scale set targets when no capture storage account is configured: Network Watcher writes
    /// those captures only to a storage account, so they would fail after the fact (the local store serves gateways and firewalls).
    /// </summary>
    private static List<FieldError> NeedsCaptureAccount(IReadOnlyList<CaptureTarget> targets, ServerSettings settings) =>
        settings.Storage.CaptureAccountResourceId is not null
            ? []
            : [.. targets.Where(t => t.Kind is TargetKind.VirtualMachine or TargetKind.ScaleSet).Select(t => new FieldError(
                $"targets[{t.Index}].resourceId",
                "this server has no capture storage account (Storage:CaptureAccountResourceId), and Network Watcher writes VM and scale set captures only to one; VPN gateways and firewalls can be captured"))];

    private static IResult Accepted(string operationId, bool created)
    {
        var body = new
        {
            operationId,
            statusUrl = $"/api/captures/{operationId}",
            cancelUrl = $"/api/captures/{operationId}/cancel",
            created,
        };
        return Results.Accepted(body.statusUrl, body);
    }

    internal static string OperationIdFor(TicketReference? ticket)
    {
        if (ticket is { System: { } system, Id: { } id, ClientRequestId: { } clientRequestId })
        {
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{system}\n{id}\n{clientRequestId}"));
            return "op-" + Convert.ToHexStringLower(hash)[..32];
        }

        return "op-" + Guid.NewGuid().ToString("N");
    }
}

/// <summary>What GET /api/captures/{id} returns.</summary>
internal sealed record OperationStatus(string OperationId, string RuntimeStatus, string? Phase, IReadOnlyList<TargetProgress> Targets, CaptureOutcome? Result, string? Failure, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt)
{
    public static OperationStatus From(WorkflowMetadata instance)
    {
        CaptureProgress? progress = instance.SerializedCustomStatus is null ? null : JsonSerializer.Deserialize<CaptureProgress>(instance.SerializedCustomStatus, WorkflowSerializer.Options);
        CaptureOutcome? outcome = instance.RuntimeStatus == WorkflowRuntimeStatus.Completed && instance.SerializedOutput is not null
            ? JsonSerializer.Deserialize<CaptureOutcome>(instance.SerializedOutput, WorkflowSerializer.Options)
            : null;
        return new OperationStatus(instance.InstanceId, instance.RuntimeStatus.ToString(), progress?.Phase, progress?.Targets ?? [], outcome,
            instance.FailureDetails?.ErrorMessage, instance.CreatedAt, instance.LastUpdatedAt);
    }
}

/// <summary>Reads the verified body (kept by the signature middleware) as JSON; a 400 naming the problem otherwise.</summary>
internal static class JsonBody
{
    public static bool TryRead<T>(HttpContext http, out T? value, out IResult problem)
    {
        value = default;
        problem = Results.Empty;
        byte[] body = http.Items[RequestSignatureMiddleware.BodyItem] as byte[] ?? [];
        try
        {
            value = JsonSerializer.Deserialize<T>(body, WorkflowSerializer.Options);
            return true;
        }
        catch (JsonException ex)
        {
            problem = Problems.Invalid([new FieldError(string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.'), "not valid JSON for this request: " + ex.Message.Split(" Path:")[0])]);
            return false;
        }
    }
}
