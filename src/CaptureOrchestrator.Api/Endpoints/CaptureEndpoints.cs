using System.Text.Json;
using CaptureOrchestrator.Api.Http;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Api.Endpoints;

/// <summary>POST /api/captures, GET /api/captures/{id}, POST /api/captures/{id}/cancel.</summary>
public static class CaptureEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/captures", StartAsync);
        api.MapGet("/captures/{operationId}", GetAsync);
        api.MapPost("/captures/{operationId}/cancel", CancelAsync);
    }

    internal static readonly OperationKind<CaptureRequest, CaptureOperation> Kind = new(
        IdPrefix: "op",
        WorkflowName: PacketCaptureWorkflow.Name,
        FieldPrefix: "",
        TicketOf: request => request?.Ticket,
        Validate: CaptureRequestValidator.Validate,
        CaptureOf: operation => operation,
        WithCapture: (_, capture) => capture,
        Accepted: Accepted);

    public static Task<IResult> StartAsync(HttpContext http, ApiServices api) => OperationStarter.StartAsync(http, api, Kind);

    public static async Task<IResult> GetAsync(string operationId, ApiServices api, CancellationToken cancellationToken)
    {
        WorkflowMetadata? instance = await api.Client.GetInstanceAsync(operationId, getInputsAndOutputs: true, cancellationToken);
        return instance is { Name: PacketCaptureWorkflow.Name }
            ? Results.Ok(OperationStatus.From(instance))
            : Problems.NotFound($"no capture operation '{operationId}'");
    }

    public static async Task<IResult> CancelAsync(string operationId, HttpContext http, ApiServices api)
    {
        WorkflowMetadata? instance = await api.Client.GetInstanceAsync(operationId, cancellationToken: http.RequestAborted);
        if (instance is not { Name: PacketCaptureWorkflow.Name })
        {
            return Problems.NotFound($"no capture operation '{operationId}'");
        }

        if (!instance.IsRunning)
        {
            return Problems.Conflict($"operation '{operationId}' already ended ({instance.RuntimeStatus})");
        }

        await api.Client.RaiseEventAsync(operationId, PacketCaptureWorkflow.CancelEvent, "cancelled through the API", http.RequestAborted);
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
