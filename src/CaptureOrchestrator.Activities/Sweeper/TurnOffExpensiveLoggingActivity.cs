using System.Text;
using System.Text.Json;
using Azure;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Sweeper;

/// <summary>
/// Switches one thing off after checking it is still on. Returns false when it was already off,
/// so a sweep that finds nothing to do says nothing.
/// </summary>
internal sealed class TurnOffExpensiveLoggingActivity(CaptureServices services) : Activity<ExpensiveLogging, bool>
{
    /// <summary>Left in a gateway's container when the stop found nothing running, so later sweeps skip it.</summary>
    public const string SweptMarker = "swept-by-capture-orchestrator.txt";

    public override Task<bool> RunAsync(WorkflowActivityContext context, ExpensiveLogging item, CancellationToken cancellationToken) =>
        item.Kind switch
        {
            ExpensiveLoggingKinds.FlowTrace => FlowTraceAsync(Receipt<FlowTraceChange>(item), cancellationToken),
            ExpensiveLoggingKinds.PacketCapture => NetworkWatcherSessionAsync(ArmResourceId.Parse(item.Receipt ?? item.ResourceId), cancellationToken),
            ExpensiveLoggingKinds.FirewallCapture => FirewallCaptureAsync(Receipt<TargetCaptureReceipt>(item), cancellationToken),
            ExpensiveLoggingKinds.GatewayCapture => GatewayCaptureAsync(Receipt<TargetCaptureReceipt>(item), cancellationToken),
            _ => throw new PermanentFailureException($"the sweeper does not know how to switch off '{item.Kind}'"),
        };

    private async Task<bool> FlowTraceAsync(FlowTraceChange change, CancellationToken cancellationToken)
    {
        bool on = await AzureErrors.Classify("read the flow-trace diagnostic setting", () => services.FlowTrace.IsInEffectAsync(change, cancellationToken)).ConfigureAwait(false);
        if (on)
        {
            await AzureErrors.Classify("switch flow trace off", () => services.FlowTrace.DisableAsync(change, cancellationToken)).ConfigureAwait(false);
        }

        return on;
    }

    private async Task<bool> NetworkWatcherSessionAsync(ArmResourceId session, CancellationToken cancellationToken)
    {
        try
        {
            PacketCaptureStatus status = (await services.NetworkWatcher.GetPacketCaptureStatusAsync(session, cancellationToken).ConfigureAwait(false)).Value;
            if (status.State == PacketCaptureState.Running || status.State == PacketCaptureState.NotStarted)
            {
                await AzureErrors.Classify("stop the packet capture", () => services.NetworkWatcher.StopPacketCaptureAsync(session, cancellationToken)).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }

        // Its file stays in storage; the session itself is what is left over.
        await AzureErrors.Classify("delete the packet capture session", () => services.NetworkWatcher.DeletePacketCaptureAsync(session, cancellationToken)).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> FirewallCaptureAsync(TargetCaptureReceipt receipt, CancellationToken cancellationToken)
    {
        FirewallPacketCaptureResult status = (await AzureErrors.Classify("read the firewall packet capture status", () =>
            services.Firewall.GetPacketCaptureStatusAsync(receipt.Target.ResourceId, cancellationToken)).ConfigureAwait(false)).Value;
        if (!status.IsInProgress)
        {
            return false;
        }

        await AzureErrors.Classify("stop the firewall packet capture", () => services.Firewall.StopPacketCaptureAsync(receipt.Target.ResourceId, cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <summary>A VPN gateway cannot be asked whether it captures; stopping it uploads what it has into the operation's container.</summary>
    private async Task<bool> GatewayCaptureAsync(TargetCaptureReceipt receipt, CancellationToken cancellationToken)
    {
        StoreContainer container = services.Blobs.Container(receipt.Container);
        await AzureErrors.Classify("create the capture container", () => container.CreateIfNotExistsAsync(cancellationToken)).ConfigureAwait(false);
        Uri sas = await services.UploadSasAsync(container, cancellationToken).ConfigureAwait(false);
        bool wasRunning;
        try
        {
            await services.Vpn.StopPacketCaptureAsync(receipt.Target.ResourceId, sas, receipt.Target.LinkConnections.Count > 0 ? receipt.Target.LinkConnections : null, cancellationToken).ConfigureAwait(false);
            wasRunning = true;
        }
        catch (RequestFailedException ex) when (ex.Status is 400 or 404 or 409)
        {
            wasRunning = false; // nothing was capturing
        }

        string note = wasRunning
            ? $"Stopped by the sweeper: operation {receipt.OperationId} ended without stopping this capture."
            : $"Checked by the sweeper: no capture was running for operation {receipt.OperationId}.";
        await AzureErrors.Classify("mark the capture container as swept", () =>
            container.UploadAsync(SweptMarker, new MemoryStream(Encoding.UTF8.GetBytes(note)), "text/plain", overwrite: true, cancellationToken)).ConfigureAwait(false);
        return wasRunning;
    }

    private static T Receipt<T>(ExpensiveLogging item) =>
        (item.Receipt is null ? default : JsonSerializer.Deserialize<T>(item.Receipt, WorkflowSerializer.Options))
        ?? throw new PermanentFailureException($"no receipt to switch off {item.Kind} on {item.ResourceId}");
}
