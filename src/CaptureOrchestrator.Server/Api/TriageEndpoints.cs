using System.Text.Json;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Server.Api;

/// <summary>POST /api/triage, GET /api/triage/{id}: a capture plus path checks and log evidence, one verdict.</summary>
internal static class TriageEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/triage", StartAsync);
        api.MapGet("/triage/{operationId}", GetAsync);
    }

    internal static async Task<IResult> StartAsync(HttpContext http, ApiServices api)
    {
        if (!JsonBody.TryRead(http, out TriageRequest? request, out IResult? bad))
        {
            return bad;
        }

        string operationId = "tr-" + CaptureEndpoints.OperationIdFor(request?.Capture?.Ticket)[3..];
        if (await api.Client.GetInstanceAsync(operationId) is { Name: TriageWorkflow.Name })
        {
            return Accepted(operationId, created: false);
        }

        Validated<TriageOperation> validated = TriageRequestValidator.Validate(request, api.Limits, operationId, api.Timings);
        if (Problems.Refusal(validated) is { } refused)
        {
            return refused;
        }

        TriageOperation triage = validated.Value! with { Capture = validated.Value!.Capture with { NotificationChannels = api.ChannelsFor(validated.Value!.Capture) } };
        OperationTags.OnRequest(operationId, triage.Capture.Ticket);
        StartOutcome started = await TargetConcurrency.StartAsync(api, TriageWorkflow.Name, operationId, triage, triage.Capture.Targets, "capture.", http.RequestAborted);
        return started.Busy.Count > 0 ? Problems.Busy(started.Busy) : Accepted(operationId, started.Created);
    }

    internal static async Task<IResult> GetAsync(string operationId, ApiServices api)
    {
        WorkflowMetadata? instance = await api.Client.GetInstanceAsync(operationId, getInputsAndOutputs: true);
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
