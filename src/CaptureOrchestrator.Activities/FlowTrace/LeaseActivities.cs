using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.FlowTrace;

/// <summary>
/// Joins a firewall's flow-trace lease, starting the lease instance when none is running. The join
/// is confirmed by the lease itself (its status lists the holder); a lease that ended just as the
/// request arrived is started afresh, so a request is never lost in that race.
/// </summary>
internal sealed class AcquireFlowTraceLeaseActivity(CaptureServices services) : Activity<LeaseTicket, bool>
{
    private static readonly TimeSpan ConfirmWithin = TimeSpan.FromSeconds(60);

    public override async Task<bool> RunAsync(WorkflowActivityContext context, LeaseTicket ticket, CancellationToken cancellationToken) =>
        await LeaseRequests.JoinAsync(services.Workflows, ticket.Lease, ticket.Ticket.ToString(), ticket.Lease.Minutes, services.Time, ConfirmWithin, cancellationToken).ConfigureAwait(false);
}

internal sealed class ReleaseFlowTraceLeaseActivity(CaptureServices services) : Activity<LeaseTicket, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, LeaseTicket ticket, CancellationToken cancellationToken)
    {
        string id = FlowTraceLeaseWorkflow.InstanceIdFor(ticket.Lease.FirewallId);
        WorkflowMetadata? lease = await services.Workflows.GetInstanceAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (lease is { IsRunning: true })
        {
            await services.Workflows.RaiseEventAsync(id, FlowTraceLeaseWorkflow.RequestEvent, new LeaseRequest(LeaseRequest.Release, ticket.Ticket.ToString()), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}

/// <summary>Lease requests as the API and the capture workflow make them.</summary>
public static class LeaseRequests
{
    public static async Task<bool> JoinAsync(IWorkflowClient workflows, Core.Requests.FlowTraceLease lease, string holder, int minutes, TimeProvider time, TimeSpan confirmWithin, CancellationToken cancellationToken)
    {
        string id = FlowTraceLeaseWorkflow.InstanceIdFor(lease.FirewallId);
        DateTimeOffset giveUp = time.GetUtcNow() + confirmWithin;
        while (true)
        {
            WorkflowMetadata? current = await workflows.GetInstanceAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (current is { IsRunning: true })
            {
                await workflows.RaiseEventAsync(id, FlowTraceLeaseWorkflow.RequestEvent, new LeaseRequest(LeaseRequest.Acquire, holder, minutes), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (current is not null)
                {
                    await workflows.PurgeInstanceAsync(id, cancellationToken).ConfigureAwait(false);
                }

                var state = new FlowTraceLeaseState(lease.FirewallId, lease.WorkspaceId, [new LeaseHolder(holder, time.GetUtcNow().UtcDateTime.AddMinutes(minutes))]);
                await workflows.ScheduleNewWorkflowInstanceAsync(FlowTraceLeaseWorkflow.Name, state, new StartWorkflowOptions(id), cancellationToken).ConfigureAwait(false);
            }

            while (time.GetUtcNow() < giveUp)
            {
                WorkflowMetadata? now = await workflows.GetInstanceAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (now is null || !now.IsRunning)
                {
                    break; // ended under us: start it again
                }

                FlowTraceLeaseStatus? status = FlowTraceLeaseStatus.Read(now.SerializedCustomStatus);
                if (status is not null && status.Holders.Any(h => h.Holder == holder))
                {
                    return true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
            }

            if (time.GetUtcNow() >= giveUp)
            {
                throw new TimeoutException($"the flow-trace lease of {lease.FirewallId.Name} did not confirm {holder} within {confirmWithin.TotalSeconds:0} s");
            }
        }
    }
}
