using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>Stops the capture. For a VPN gateway this is the call that uploads the file, through a short-lived write SAS.</summary>
internal sealed class StopCaptureActivity(CaptureServices services) : Activity<CaptureSession, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, CaptureSession session, CancellationToken cancellationToken)
    {
        CaptureTarget target = session.Target;
        switch (target.Kind)
        {
            case TargetKind.VirtualMachine or TargetKind.ScaleSet:
                await AzureErrors.Classify("stop the packet capture", () => services.NetworkWatcher.StopPacketCaptureAsync(ArmResourceId.Parse(session.SessionId), cancellationToken)).ConfigureAwait(false);
                break;
            case TargetKind.Firewall:
                await AzureErrors.Classify("stop the firewall packet capture", () => services.Firewall.StopPacketCaptureAsync(target.ResourceId, cancellationToken)).ConfigureAwait(false);
                break;
            default:
                (StoreContainer container, _) = services.Blobs.Locate(session.FileLocation + "/");
                if (await FindCaptureFilesActivity.HasCaptureFilesAsync(container, cancellationToken).ConfigureAwait(false))
                {
                    // A gateway uploads only when stopped: this stop ran before (its answer lost in a crash).
                    // Stopping again could upload a second copy, analysed twice.
                    break;
                }

                Uri sas = await services.UploadSasAsync(container, cancellationToken).ConfigureAwait(false);
                await AzureErrors.Classify("stop the gateway packet capture", () =>
                    services.Vpn.StopPacketCaptureAsync(target.ResourceId, sas, target.LinkConnections.Count > 0 ? target.LinkConnections : null, cancellationToken)).ConfigureAwait(false);
                break;
        }

        return true;
    }
}
