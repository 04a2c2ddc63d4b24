using System.Text.Json;
using CaptureOrchestrator.Api.Http;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Api.Endpoints;

/// <summary>POST /api/triage, GET /api/triage/{id}: a capture plus path checks and log evidence, one verdict.</summary>
public static class TriageEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/triage", StartAsync);
        api.MapGet("/triage/{operationId}", GetAsync);
    }

    private static readonly OperationKind<TriageRequest, TriageOperation> Kind = new(
        IdPrefix: "tr",
        WorkflowName: TriageWorkflow.Name,
        FieldPrefix: "capture.",
        TicketOf: request => request?.Capture?.Ticket,
        Validate: TriageRequestValidator.Validate,
        CaptureOf: triage => triage.Capture,
        WithCapture: (triage, capture) => triage with { Capture = capture },
        Accepted: Accepted);

    public static Task<IResult> StartAsync(HttpContext http, ApiServices api) => OperationStarter.StartAsync(http, api, Kind);

    public static async Task<IResult> GetAsync(string operationId, ApiServices api, CancellationToken cancellationToken)
    {
        WorkflowMetadata? instance = await api.Client.GetInstanceAsync(operationId, getInputsAndOutputs: true, cancellationToken);
        if (instance is not { Name: TriageWorkflow.Name })
        {
            return Problems.NotFound($"no triage operation '{operationId}'");
        }

        TriageOutcome? outcome = instance.RuntimeStatus == WorkflowRuntimeStatus.Completed && instance.SerializedOutput is not null
            ? JsonSerializer.Deserialize<TriageOutcome>(instance.SerializedOutput, WorkflowSerializer.Options)
            : null;
        return Results.Ok(new
        {
            operationId,
            runtimeStatus = instance.RuntimeStatus.ToString(),
            captureOperationId = operationId + "-capture",
            result = outcome,
            failure = instance.FailureDetails?.ErrorMessage,
        });
    }

    private static IResult Accepted(string operationId, bool created) =>
        Results.Accepted($"/api/triage/{operationId}", new { operationId, statusUrl = $"/api/triage/{operationId}", captureStatusUrl = $"/api/captures/{operationId}-capture", created });
}
