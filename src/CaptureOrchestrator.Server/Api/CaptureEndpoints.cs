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

        if (api.Support.Refusals(validated.Value!.Targets) is { Count: > 0 } unsupported)
        {
            return Problems.Invalid(unsupported);
        }

        CaptureOperation operation = validated.Value! with { NotificationChannels = api.ChannelsFor(validated.Value!) };
        OperationTags.OnRequest(operationId, operation.Ticket);
        StartOutcome started = await TargetConcurrency.StartAsync(api, PacketCaptureWorkflow.Name, operationId, operation, operation.Targets, "", http.RequestAborted);
        return started.Busy.Count > 0 ? Problems.Busy(started.Busy) : Accepted(operationId, started.Created);
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
