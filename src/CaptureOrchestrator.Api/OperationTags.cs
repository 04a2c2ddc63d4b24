using System.Diagnostics;
using CaptureOrchestrator.Activities.Telemetry;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Api;

/// <summary>Puts the operation and ticket on the HTTP request's span, so the request that started an operation can be found by either.</summary>
internal static class OperationTags
{
    public static void OnRequest(string operationId, TicketKey ticket)
    {
        Activity? request = Activity.Current;
        request?.SetTag(OrchestratorTelemetry.OperationIdTag, operationId);
        request?.SetTag(OrchestratorTelemetry.TicketTag, ticket.ToString());
        request?.AddLink(new ActivityLink(OrchestratorTelemetry.TraceOf(operationId)));
    }
}
