using CaptureOrchestrator.Activities.FlowTrace;
using CaptureOrchestrator.Api.Http;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Api.Endpoints;

/// <summary>POST /api/flowtrace, POST /api/flowtrace/{leaseId}/extend, DELETE /api/flowtrace/{leaseId}, GET /api/flowtrace.</summary>
public static class FlowTraceEndpoints
{
    public sealed record LeaseApiRequest(TicketReference? Ticket, string? FirewallId, string? WorkspaceId, int? Minutes);

    public sealed record ExtendApiRequest(TicketReference? Ticket, int? Minutes);

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/flowtrace", AcquireAsync);
        api.MapPost("/flowtrace/{leaseId}/extend", ExtendAsync);
        api.MapDelete("/flowtrace/{leaseId}", ReleaseAsync);
        api.MapGet("/flowtrace", ListAsync);
    }

    public static async Task<IResult> AcquireAsync(HttpContext http, ApiServices api, TimeProvider time)
    {
        if (!JsonBody.TryRead(http, out LeaseApiRequest? request, out IResult? bad))
        {
            return bad;
        }

        var errors = new List<FieldError>();
        TicketKey? ticket = CaptureRequestValidator.ValidateTicket(request?.Ticket, errors);
        Validated<FlowTraceLease> lease = CaptureRequestValidator.ValidateFlowTrace(
            new FlowTraceLeaseRequest(request?.FirewallId, request?.WorkspaceId, request?.Minutes), api.Limits);
        errors.AddRange(lease.Errors);
        if (Problems.Refusal(lease with { Errors = errors }) is { } refused)
        {
            return refused;
        }

        await LeaseRequests.JoinAsync(api.Client, lease.Value!, ticket!.ToString(), lease.Value!.Minutes, time, TimeSpan.FromSeconds(30), http.RequestAborted);
        string leaseId = FlowTraceLeaseWorkflow.InstanceIdFor(lease.Value.FirewallId);
        return Results.Accepted($"/api/flowtrace/{leaseId}", new { leaseId, holder = ticket.ToString(), minutes = lease.Value.Minutes });
    }

    public static async Task<IResult> ExtendAsync(string leaseId, HttpContext http, ApiServices api)
    {
        if (!JsonBody.TryRead(http, out ExtendApiRequest? request, out IResult? bad))
        {
            return bad;
        }

        var errors = new List<FieldError>();
        TicketKey? ticket = CaptureRequestValidator.ValidateTicket(request?.Ticket, errors);
        int minutes = request?.Minutes ?? 60;
        if (minutes < 5 || minutes > api.Settings.Limits.MaxFlowTraceMinutes)
        {
            errors.Add(new FieldError("minutes", $"{minutes} is outside 5..{api.Settings.Limits.MaxFlowTraceMinutes}"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (await RunningLeaseAsync(api, leaseId, http.RequestAborted) is null)
        {
            return Problems.NotFound($"no active flow-trace lease '{leaseId}'");
        }

        await api.Client.RaiseEventAsync(leaseId, FlowTraceLeaseWorkflow.RequestEvent, new LeaseRequest(LeaseRequest.Extend, ticket!.ToString(), minutes), http.RequestAborted);
        return Results.Accepted($"/api/flowtrace/{leaseId}", new { leaseId, holder = ticket.ToString(), minutes });
    }

    public static async Task<IResult> ReleaseAsync(string leaseId, string? ticketSystem, string? ticketId, ApiServices api, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        TicketKey? ticket = CaptureRequestValidator.ValidateTicket(new TicketReference(ticketSystem, ticketId), errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors.Select(e => e with { Field = e.Field.Replace("ticket.", "ticket", StringComparison.Ordinal) switch { "ticketsystem" => "ticketSystem", "ticketid" => "ticketId", var f => f } }).ToArray());
        }

        if (await RunningLeaseAsync(api, leaseId, cancellationToken) is null)
        {
            return Problems.NotFound($"no active flow-trace lease '{leaseId}'");
        }

        await api.Client.RaiseEventAsync(leaseId, FlowTraceLeaseWorkflow.RequestEvent, new LeaseRequest(LeaseRequest.Release, ticket!.ToString()), cancellationToken);
        return Results.Accepted($"/api/flowtrace/{leaseId}", new { leaseId, released = ticket.ToString() });
    }

    public static async Task<IResult> ListAsync(ApiServices api, CancellationToken cancellationToken)
    {
        var leases = new List<object>();
        await foreach (WorkflowMetadata instance in api.Client.GetAllInstancesAsync(new WorkflowQuery(Statuses: [WorkflowRuntimeStatus.Running, WorkflowRuntimeStatus.Pending], InstanceIdPrefix: FlowTraceLeaseWorkflow.InstanceIdPrefix), cancellationToken))
        {
            FlowTraceLeaseStatus? status = FlowTraceLeaseStatus.Read(instance.SerializedCustomStatus);
            leases.Add(new { leaseId = instance.InstanceId, state = status?.State, firewallId = status?.FirewallId, untilUtc = status?.UntilUtc, holders = status?.Holders ?? [] });
        }

        return Results.Ok(new { leases });
    }

    private static async Task<WorkflowMetadata?> RunningLeaseAsync(ApiServices api, string leaseId, CancellationToken cancellationToken) =>
        leaseId.StartsWith(FlowTraceLeaseWorkflow.InstanceIdPrefix, StringComparison.Ordinal)
        && await api.Client.GetInstanceAsync(leaseId, cancellationToken: cancellationToken) is { IsRunning: true } lease ? lease : null;
}
