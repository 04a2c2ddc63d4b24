using CaptureOrchestrator.Api.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CaptureOrchestrator.Functions.Triggers;

/// <summary>
/// The HTTP API of docs/openapi.json (route prefix "api" from host.json), each route calling the same
/// endpoint code as the embedded server. Function keys guard every route; the HMAC signature is checked too.
/// </summary>
public sealed class HttpApiTriggers(ApiGate gate, TimeProvider time)
{
    [Function("HttpStartCapture")]
    public Task<IActionResult> StartCapture([HttpTrigger(AuthorizationLevel.Function, "post", Route = "captures")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, CaptureEndpoints.StartAsync);

    [Function("HttpGetCapture")]
    public Task<IActionResult> GetCapture([HttpTrigger(AuthorizationLevel.Function, "get", Route = "captures/{operationId}")] HttpRequest request, string operationId, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, (http, api) => CaptureEndpoints.GetAsync(operationId, api, http.RequestAborted));

    [Function("HttpCancelCapture")]
    public Task<IActionResult> CancelCapture([HttpTrigger(AuthorizationLevel.Function, "post", Route = "captures/{operationId}/cancel")] HttpRequest request, string operationId, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, (http, api) => CaptureEndpoints.CancelAsync(operationId, http, api));

    [Function("HttpStartTriage")]
    public Task<IActionResult> StartTriage([HttpTrigger(AuthorizationLevel.Function, "post", Route = "triage")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, TriageEndpoints.StartAsync);

    [Function("HttpGetTriage")]
    public Task<IActionResult> GetTriage([HttpTrigger(AuthorizationLevel.Function, "get", Route = "triage/{operationId}")] HttpRequest request, string operationId, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, (http, api) => TriageEndpoints.GetAsync(operationId, api, http.RequestAborted));

    [Function("HttpAcquireFlowTrace")]
    public Task<IActionResult> AcquireFlowTrace([HttpTrigger(AuthorizationLevel.Function, "post", Route = "flowtrace")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, (http, api) => FlowTraceEndpoints.AcquireAsync(http, api, time));

    [Function("HttpExtendFlowTrace")]
    public Task<IActionResult> ExtendFlowTrace([HttpTrigger(AuthorizationLevel.Function, "post", Route = "flowtrace/{leaseId}/extend")] HttpRequest request, string leaseId, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, (http, api) => FlowTraceEndpoints.ExtendAsync(leaseId, http, api));

    [Function("HttpReleaseFlowTrace")]
    public Task<IActionResult> ReleaseFlowTrace([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "flowtrace/{leaseId}")] HttpRequest request, string leaseId, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, (http, api) => FlowTraceEndpoints.ReleaseAsync(leaseId, request.Query["ticketSystem"], request.Query["ticketId"], api, http.RequestAborted));

    [Function("HttpListFlowTrace")]
    public Task<IActionResult> ListFlowTrace([HttpTrigger(AuthorizationLevel.Function, "get", Route = "flowtrace")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        gate.SignedAsync(request, client, (http, api) => FlowTraceEndpoints.ListAsync(api, http.RequestAborted));

    [Function("HttpBlobCreated")]
    public Task<IActionResult> BlobCreated([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "events/blobcreated")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        gate.UnsignedAsync(request, client, (http, api) => EventGridEndpoints.ReceiveAsync(http, request.Query["code"], api));

    /// <summary>An action group's webhook: the function key (?code=) and, when configured, the secure webhook's Entra token; not HMAC-signed (Azure Monitor cannot sign).</summary>
    [Function("HttpAlert")]
    public Task<IActionResult> Alert([HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        gate.UnsignedAsync(request, client, (http, api) => AlertEndpoints.ReceiveAsync(http, api, hostCheckedKey: true));

    [Function("HttpHealth")]
    public static IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        new OkObjectResult(new { status = "ok", host = "functions" });
}
