using System.Text.Json;
using Azure;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Activities.Sweeper;

/// <summary>
/// Finds what this product switched on that may still be on, from three places:
/// flow-trace leases whose status says flow trace may be on; Network Watcher sessions named "co-…"
/// in the subscriptions in scope (those of recent operations and the configured ones) whose
/// operation this engine knows; and gateway or firewall captures of operations that ended without
/// stopping them, whatever their runtime status: the workflow died (failed, terminated), or it
/// completed with a target whose stop or cleanup failed (<see cref="TargetOutcome.LeftRunning"/>).
/// Sessions of operations this engine has never seen are left alone: they may belong to another
/// deployment, and Network Watcher ends them at their own time limit.
/// </summary>
internal sealed partial class FindExpensiveLoggingActivity(CaptureServices services) : Activity<SweepInput, ExpensiveLogging[]>
{
    public override async Task<ExpensiveLogging[]> RunAsync(WorkflowActivityContext context, SweepInput input, CancellationToken cancellationToken)
    {
        var found = new List<ExpensiveLogging>();
        await FindFlowTraceAsync(found, cancellationToken).ConfigureAwait(false);
        HashSet<Guid> subscriptions = await FindDeadOperationCapturesAsync(found, new DateTimeOffset(input.NowUtc.AddHours(-input.LookbackHours), TimeSpan.Zero), cancellationToken).ConfigureAwait(false);
        subscriptions.UnionWith(services.Settings.SweepSubscriptions);
        foreach (Guid subscription in subscriptions.Order())
        {
            await FindNetworkWatcherSessionsAsync(found, subscription, cancellationToken).ConfigureAwait(false);
        }

        return [.. found];
    }

    private async Task FindFlowTraceAsync(List<ExpensiveLogging> found, CancellationToken cancellationToken)
    {
        await foreach (WorkflowMetadata lease in services.Workflows.GetAllInstancesAsync(new WorkflowQuery(InstanceIdPrefix: FlowTraceLeaseWorkflow.InstanceIdPrefix, PageSize: 500), cancellationToken).ConfigureAwait(false))
        {
            FlowTraceLeaseStatus? status = FlowTraceLeaseStatus.Read(lease.SerializedCustomStatus);
            if (status is { MayBeOn: true })
            {
                found.Add(new ExpensiveLogging(ExpensiveLoggingKinds.FlowTrace, status.FirewallId, lease.InstanceId, lease.IsRunning, status.UntilUtc, status.Receipt));
            }
        }
    }

    /// <returns>The subscriptions of every recent operation's targets.</returns>
    private async Task<HashSet<Guid>> FindDeadOperationCapturesAsync(List<ExpensiveLogging> found, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var subscriptions = new HashSet<Guid>();
        await foreach (WorkflowMetadata instance in services.Workflows.GetAllInstancesAsync(new WorkflowQuery(CreatedFrom: since, PageSize: 500, FetchInputsAndOutputs: true), cancellationToken).ConfigureAwait(false))
        {
            if (instance is not { Name: PacketCaptureWorkflow.Name, SerializedInput: { } json }
                || JsonSerializer.Deserialize<CaptureOperation>(json, WorkflowSerializer.Options) is not { } operation)
            {
                continue;
            }

            subscriptions.UnionWith(operation.Targets.Select(t => t.ResourceId.SubscriptionId));
            foreach (CaptureTarget target in MayStillCapture(instance, operation).Where(t => !t.Kind.IsNetworkWatcher()))
            {
                string container = CaptureNames.ForTarget(operation.OperationId, target);
                if (target.Kind != TargetKind.Firewall && await WasStoppedAsync(container, cancellationToken).ConfigureAwait(false))
                {
                    continue; // a gateway uploads when stopped: capture files (or an earlier sweep's marker) mean it was stopped
                }

                string kind = target.Kind == TargetKind.Firewall ? ExpensiveLoggingKinds.FirewallCapture : ExpensiveLoggingKinds.GatewayCapture;
                string receipt = JsonSerializer.Serialize(new TargetCaptureReceipt(operation.OperationId, target, container), WorkflowSerializer.Options);
                found.Add(new ExpensiveLogging(kind, target.ResourceId.ToString(), instance.InstanceId, OwnerRunning: false, null, receipt));
            }
        }

        return subscriptions;
    }

    /// <summary>
    /// The targets of an ended operation that may still be capturing: all of them when its workflow
    /// died (nothing says how far it got), those it reported as left running when it completed.
    /// </summary>
    private static IEnumerable<CaptureTarget> MayStillCapture(WorkflowMetadata instance, CaptureOperation operation)
    {
        if (instance.IsRunning)
        {
            return [];
        }

        if (instance.RuntimeStatus != WorkflowRuntimeStatus.Completed
            || instance.SerializedOutput is not { } output
            || JsonSerializer.Deserialize<CaptureOutcome>(output, WorkflowSerializer.Options) is not { } outcome)
        {
            return operation.Targets;
        }

        HashSet<int> left = [.. outcome.Targets.Where(t => t.LeftRunning).Select(t => t.Index)];
        return operation.Targets.Where(t => left.Contains(t.Index));
    }

    private async Task FindNetworkWatcherSessionsAsync(List<ExpensiveLogging> found, Guid subscription, CancellationToken cancellationToken)
    {
        IReadOnlyList<NetworkWatcher> watchers;
        try
        {
            watchers = (await services.NetworkWatcher.GetNetworkWatchersAsync(subscription, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status is 403 or 404)
        {
            // Out of our role's reach: say so and sweep the rest rather than fail the whole sweep.
            LogOutOfReach(services.Logger<FindExpensiveLoggingActivity>(), subscription, ex.Status, ex.ErrorCode);
            return;
        }

        foreach (NetworkWatcher watcher in watchers)
        {
            IReadOnlyList<PacketCapture> sessions = (await services.NetworkWatcher.GetPacketCapturesAsync(watcher.Id, cancellationToken).ConfigureAwait(false)).Value;
            foreach (PacketCapture session in sessions)
            {
                if (CaptureNames.OperationOf(session.Name) is not { } operationId
                    || await services.Workflows.GetInstanceAsync(operationId, cancellationToken: cancellationToken).ConfigureAwait(false) is not { } owner)
                {
                    continue;
                }

                found.Add(new ExpensiveLogging(ExpensiveLoggingKinds.PacketCapture, session.Id.ToString(), owner.InstanceId, owner.IsRunning, null, session.Id.ToString()));
            }
        }
    }

    private async Task<bool> WasStoppedAsync(string container, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<global::Azure.Storage.Blobs.Models.BlobItem> blobs = await services.Blobs.Container(container).ListAsync(null, cancellationToken).ConfigureAwait(false);
            return blobs.Any(b => b.Name == TurnOffExpensiveLoggingActivity.SweptMarker || Capture.FindCaptureFilesActivity.IsCaptureFile(b.Name));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the sweeper cannot list Network Watchers in subscription {Subscription}: {Status} {Code}")]
    private static partial void LogOutOfReach(ILogger logger, Guid subscription, int status, string? code);
}
