using Azure;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>
/// Leaves nothing running: a Network Watcher session is stopped and deleted (its file stays), a
/// firewall capture is stopped. Safe to repeat; "already stopped" and "already gone" are success.
/// A VPN gateway capture is stopped by the stop step (which uploads it); cleanup does not stop it
/// again without a SAS, so a gateway whose stop failed is left to the sweeper.
/// </summary>
internal sealed class CleanupCaptureActivity(CaptureServices services) : Activity<CaptureSession, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, CaptureSession session, CancellationToken cancellationToken)
    {
        switch (session.Target.Kind)
        {
            case TargetKind.VirtualMachine or TargetKind.ScaleSet:
                ArmResourceId id = ArmResourceId.Parse(session.SessionId);
                await IgnoreConflicts(() => services.NetworkWatcher.StopPacketCaptureAsync(id, cancellationToken)).ConfigureAwait(false);
                await AzureErrors.Classify("delete the packet capture session", () => services.NetworkWatcher.DeletePacketCaptureAsync(id, cancellationToken)).ConfigureAwait(false);
                break;
            case TargetKind.Firewall:
                await IgnoreConflicts(() => services.Firewall.StopPacketCaptureAsync(session.Target.ResourceId, cancellationToken)).ConfigureAwait(false);
                break;
        }

        return true;
    }

    private static async Task IgnoreConflicts(Func<Task> stop)
    {
        try
        {
            await stop().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 400)
        {
            // Already stopped or gone: exactly the state cleanup wants.
        }
    }
}
