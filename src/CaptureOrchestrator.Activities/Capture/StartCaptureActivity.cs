using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>Starts the capture the way the target's kind requires and says where its files will land.</summary>
internal sealed class StartCaptureActivity(CaptureServices services) : Activity<StartCaptureInput, CaptureSession>
{
    public override Task<CaptureSession> RunAsync(WorkflowActivityContext context, StartCaptureInput input, CancellationToken cancellationToken)
    {
        CaptureTarget target = input.Prepared.Target;
        return target.Kind switch
        {
            TargetKind.VirtualMachine or TargetKind.ScaleSet => StartNetworkWatcherAsync(input, target, cancellationToken),
            TargetKind.Firewall => StartFirewallAsync(input, target, cancellationToken),
            _ => StartVpnAsync(input, target, cancellationToken),
        };
    }

    private async Task<CaptureSession> StartNetworkWatcherAsync(StartCaptureInput input, CaptureTarget target, CancellationToken cancellationToken)
    {
        ArmResourceId watcher = ArmResourceId.Parse(input.Prepared.NetworkWatcherId ?? throw new PermanentFailureException("no Network Watcher was resolved for the target"));
        var definition = new PacketCaptureDefinition
        {
            Target = target.ResourceId,
            TargetType = target.Kind == TargetKind.ScaleSet ? PacketCaptureTargetType.AzureVMSS : PacketCaptureTargetType.AzureVM,
            Scope = target.Kind == TargetKind.ScaleSet ? new PacketCaptureScope { Include = target.Instances } : null,
            BytesToCapturePerPacket = input.BytesPerPacket,
            TotalBytesPerSession = Math.Min(input.MaxBytes, PacketCaptureDefinition.MaxBytes),
            // The session ends itself a little after the workflow stops it, so a lost workflow cannot leave it running.
            TimeLimitInSeconds = Math.Min(input.DurationSeconds + 60, PacketCaptureDefinition.MaxTimeLimitInSeconds),
            StorageLocation = new PacketCaptureStorageLocation
            {
                StorageId = services.Settings.CaptureStorageAccountId ?? throw new PermanentFailureException("no capture storage account is configured (CaptureStorageAccountId)"),
            },
            Filters = CaptureFilters.ForNetworkWatcher(input.Filter),
        };
        string name = CaptureNames.ForTarget(input.OperationId, target);
        PacketCapture capture = (await AzureErrors.Classify("start the packet capture", () =>
            services.NetworkWatcher.CreatePacketCaptureAsync(watcher, name, definition, cancellationToken)).ConfigureAwait(false)).Value;
        string location = capture.Definition.StorageLocation.StoragePath?.AbsoluteUri
            ?? throw new PermanentFailureException("Network Watcher did not say where the capture file will be written (storagePath)");
        int expected = target.Kind == TargetKind.ScaleSet ? Math.Max(1, target.Instances.Count) : 1;
        return new CaptureSession(input.OperationId, input.Ticket, target, capture.Id.ToString(), location, expected, services.Time.GetUtcNow().UtcDateTime);
    }

    private async Task<CaptureSession> StartVpnAsync(StartCaptureInput input, CaptureTarget target, CancellationToken cancellationToken)
    {
        StoreContainer container = await TargetContainerAsync(input, target, cancellationToken).ConfigureAwait(false);
        bool startedBefore = await MarkStartAsync(container, input, cancellationToken).ConfigureAwait(false);
        try
        {
            await AzureErrors.Classify("start the gateway packet capture", () =>
                services.Vpn.StartPacketCaptureAsync(target.ResourceId, CaptureFilters.ForVpnGateway(input.Filter), target.LinkConnections.Count > 0 ? target.LinkConnections : null, cancellationToken)).ConfigureAwait(false);
        }
        catch (PermanentFailureException ex) when (startedBefore && ex.InnerException is global::Azure.RequestFailedException { Status: 400 or 409 })
        {
            // This start ran before and its answer was lost (the process died): the capture the
            // gateway says is running is the one it started then. The marker proves that attempt.
        }

        return new CaptureSession(input.OperationId, input.Ticket, target, target.ResourceId.ToString(), container.Uri.AbsoluteUri, 1, services.Time.GetUtcNow().UtcDateTime);
    }

    private async Task<CaptureSession> StartFirewallAsync(StartCaptureInput input, CaptureTarget target, CancellationToken cancellationToken)
    {
        StoreContainer container = await TargetContainerAsync(input, target, cancellationToken).ConfigureAwait(false);
        Uri sas = await services.UploadSasAsync(container, cancellationToken).ConfigureAwait(false);
        var definition = new FirewallPacketCaptureDefinition
        {
            DurationInSeconds = Math.Clamp(input.DurationSeconds, FirewallPacketCaptureDefinition.MinDurationInSeconds, FirewallPacketCaptureDefinition.MaxDurationInSeconds),
            NumberOfPacketsToCapture = FirewallPacketCaptureDefinition.MaxPackets,
            FileName = CaptureNames.ForTarget(input.OperationId, target),
            Protocol = input.Filter.Protocol,
            Filters = [CaptureFilters.ForFirewall(input.Filter, target.ResourceId.Name)],
        };
        bool startedBefore = await MarkStartAsync(container, input, cancellationToken).ConfigureAwait(false);
        try
        {
            await AzureErrors.Classify("start the firewall packet capture", () =>
                services.Firewall.StartPacketCaptureAsync(target.ResourceId, definition, sas, cancellationToken)).ConfigureAwait(false);
        }
        catch (PermanentFailureException ex) when (startedBefore && ex.InnerException is global::Azure.RequestFailedException { ErrorCode: "AzureFirewallPacketCaptureInProgress" })
        {
            // This start ran before and its answer was lost: the capture in progress is the one it started.
        }
        catch (PermanentFailureException ex) when (ex.InnerException is global::Azure.RequestFailedException { ErrorCode: "AzureFirewallPacketCaptureInProgress" })
        {
            // One capture at a time per firewall, and this one is not ours: it is left running.
            throw new PermanentFailureException(
                $"{target.ResourceId.Name} is already running a packet capture this operation did not start (AzureFirewallPacketCaptureInProgress); it was left running — stop it or let it end (at most 30 minutes), then ask again", ex);
        }

        // One file per backend instance, and the instance count is not exposed: the wait settles on what arrives.
        return new CaptureSession(input.OperationId, input.Ticket, target, target.ResourceId.ToString(), container.Uri.AbsoluteUri, ExpectedFiles: 0, services.Time.GetUtcNow().UtcDateTime);
    }

    /// <summary>The blob that records this operation asked the target to start capturing.</summary>
    public const string StartMarker = "start-requested-by-capture-orchestrator.txt";

    /// <summary>
    /// Records, before the start call, that this operation asks the target to capture; true when it
    /// already had (this activity runs again after a crash: its first start may have reached Azure).
    /// Gateways and firewalls answer a second start with "already running", which is then ours.
    /// </summary>
    private static async Task<bool> MarkStartAsync(StoreContainer container, StartCaptureInput input, CancellationToken cancellationToken)
    {
        try
        {
            await container.UploadAsync(StartMarker, new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"operation {input.OperationId} ({input.Ticket}) started a capture here")), "text/plain", overwrite: false, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (global::Azure.RequestFailedException ex) when (ex.Status == 409)
        {
            return true;
        }
    }

    /// <summary>Gateways and firewalls write into a container of their own per target (their file names are not documented).</summary>
    private async Task<StoreContainer> TargetContainerAsync(StartCaptureInput input, CaptureTarget target, CancellationToken cancellationToken)
    {
        StoreContainer container = services.Blobs.Container(CaptureNames.ForTarget(input.OperationId, target));
        await AzureErrors.Classify("create the capture container", () => container.CreateIfNotExistsAsync(cancellationToken)).ConfigureAwait(false);
        return container;
    }
}
