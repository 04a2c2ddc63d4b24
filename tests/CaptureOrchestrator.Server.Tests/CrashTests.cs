using System.Text.Json.Nodes;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>Where in a capture the serve process is killed.</summary>
public enum KillPoint
{
    /// <summary>The start call has reached Azure, which has neither acted on it nor answered.</summary>
    DuringStart,

    /// <summary>The start call has reached Azure (its answer may not have reached the server).</summary>
    AfterStart,

    /// <summary>The capture is running, the window not over.</summary>
    DuringWindow,

    /// <summary>The stop call has reached Azure, which has neither acted on it nor answered.</summary>
    DuringStop,

    /// <summary>The capture file is in storage.</summary>
    AfterUpload,

    /// <summary>The analysis activity has started.</summary>
    DuringAnalysis,

    /// <summary>The Teams card has reached the webhook, which has not answered.</summary>
    DuringTeamsCard,

    /// <summary>The ticket callback has reached the ticket system, which has not answered.</summary>
    DuringCallback,
}

/// <summary>
/// The real `serve` process killed with SIGKILL at every step of a capture, then started again on
/// the same data folder: the operation must end as if nothing happened — each capture file analysed
/// once (the stop that uploads it not sent twice), each notification sent once per channel (what a
/// receiver sees twice carries the same Idempotency-Key), and nothing left capturing.
/// </summary>
public abstract class CrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public static TheoryData<KillPoint> KillPoints => new(Enum.GetValues<KillPoint>());

    /// <summary>The target captured, and what distinguishes its kind.</summary>
    protected abstract string Target { get; }

    protected abstract Task<OrchestratorRig> StartRigAsync();

    /// <summary>Whether a request at the fake ARM is the start call.</summary>
    protected abstract bool IsStart(RecordedRequest request);

    /// <summary>The start call at the fake ARM: method and a part of its path.</summary>
    protected abstract (string Method, string Path) StartCall { get; }

    /// <summary>The path of the stop call at the fake ARM.</summary>
    protected abstract string StopPath { get; }

    /// <summary>Whether the capture file is in storage.</summary>
    protected abstract bool Uploaded(OrchestratorRig rig);

    /// <summary>How many analysis reports were written for target 0 of the operation.</summary>
    protected abstract int Reports(OrchestratorRig rig, string operationId);

    protected async Task KillAndRestartAsync(KillPoint point)
    {
        await using OrchestratorRig rig = await StartRigAsync();
        var start = new RequestHold(StartCall.Method, StartCall.Path);
        var stop = new RequestHold("POST", StopPath);
        var card = new RequestHold("POST", "/teams");
        var callbackHold = new RequestHold("POST", "/ticket-callback");
        switch (point)
        {
            case KillPoint.DuringStart:
                rig.Arm.Server.Holds.Enqueue(start);
                break;
            case KillPoint.DuringStop:
                rig.Arm.Server.Holds.Enqueue(stop);
                break;
            case KillPoint.DuringTeamsCard:
                rig.Receiver.Holds.Enqueue(card);
                break;
            case KillPoint.DuringCallback:
                rig.Receiver.Holds.Enqueue(callbackHold);
                break;
        }

        string callback = new Uri(rig.Receiver.BaseUri, "/ticket-callback").AbsoluteUri;
        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0090" + (int)point, durationSeconds: 4, callback: callback, targets: Target));

        Task reached = point switch
        {
            KillPoint.DuringStart => start.Arrived,
            KillPoint.AfterStart => Until(() => rig.Arm.Server.Requests.Any(IsStart)),
            KillPoint.DuringWindow => Until(() => rig.Arm.Server.Requests.Any(IsStart)).ContinueWith(_ => Task.Delay(1500)).Unwrap(),
            KillPoint.DuringStop => stop.Arrived,
            KillPoint.AfterUpload => Until(() => Uploaded(rig)).ContinueWith(_ => Task.Delay(300)).Unwrap(),
            KillPoint.DuringAnalysis => rig.Process!.WaitForLineAsync(line => line.Contains("AnalyzeCapture started", StringComparison.Ordinal)),
            KillPoint.DuringTeamsCard => card.Arrived,
            _ => callbackHold.Arrived,
        };
        await reached.WaitAsync(Patience);
        await rig.KillAsync();
        foreach (RequestHold hold in (RequestHold[])[start, stop, card, callbackHold])
        {
            hold.Release(); // the service acts on what reached it, and answers a caller that is gone
            if (hold.Arrived.IsCompleted)
            {
                await hold.ActedOn.WaitAsync(Patience); // before the restart: what it did is there to be found
            }
        }

        await rig.StartAgainAsync();
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        string explain = $"{point}: {status.ToJsonString()}\n--- serve after restart:\n{string.Join('\n', rig.Process!.Lines.TakeLast(40))}";
        Assert.True(status["result"]?["status"]?.GetValue<string>() == "Succeeded", explain);
        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.True(target["state"]!.GetValue<string>() == "Analyzed", explain);
        Assert.Equal(1, Reports(rig, operationId)); // the capture file analysed once, not a second upload of it
        Assert.All(status["result"]!["deliveries"]!.AsArray(), d => Assert.True(d!["delivered"]!.GetValue<bool>(), explain));
        foreach (string channel in (string[])["/teams", "/ticket-callback"])
        {
            string[] keys = [.. rig.Receiver.Received.Where(r => r.Path == channel).Select(r => r.Headers["Idempotency-Key"]).Distinct()];
            Assert.True(keys.Length == 1, $"{channel}: {keys.Length} distinct notifications\n{explain}");
        }

        Assert.Empty(rig.Arm.LiveSessions); // nothing left capturing
        Assert.False(rig.Arm.GatewayCapturing);
    }

    private static async Task Until(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20);
        }
    }
}

/// <summary>A VPN gateway capture into the server's own local blob store over HTTPS (no storage account).</summary>
public sealed class GatewayCrashTests : CrashTests
{
    protected override string Target => FakeNetworkWatcher.VpnGateway;

    protected override bool IsStart(RecordedRequest request) => request.Method == "POST" && request.Path.EndsWith("/startPacketCapture", StringComparison.Ordinal);

    protected override (string Method, string Path) StartCall => ("POST", "/startPacketCapture");

    protected override string StopPath => "/stopPacketCapture";

    protected override Task<OrchestratorRig> StartRigAsync() => OrchestratorRig.StartAsync(storage: null, outOfProcess: true);

    protected override bool Uploaded(OrchestratorRig rig) => !rig.Arm.GatewayUploads.IsEmpty && !rig.Arm.GatewayCapturing;

    protected override int Reports(OrchestratorRig rig, string operationId)
    {
        // A stop sent again after one that uploaded would add a second file (the fake names each upload), analysed too.
        string folder = Path.Combine(rig.Settings["CaptureOrchestrator:DataFolder"]!, "blobs", "reports", operationId, "target-0");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json").Length : 0;
    }

    [Theory]
    [MemberData(nameof(KillPoints))]
    public Task A_gateway_capture_ends_once_and_cleanly_whatever_step_the_server_is_killed_at(KillPoint point) => KillAndRestartAsync(point);
}

/// <summary>A VM capture through Network Watcher into a storage account (Azurite).</summary>
[Collection(PlainAzuriteCollection.Name)]
public sealed class VmCrashTests(PlainAzurite azurite) : CrashTests
{
    protected override string Target => FakeNetworkWatcher.Vm;

    protected override bool IsStart(RecordedRequest request) => request.Method == "PUT" && request.Path.Contains("/packetCaptures/co-", StringComparison.Ordinal);

    protected override (string Method, string Path) StartCall => ("PUT", "/packetCaptures/co-");

    protected override string StopPath => "/stop";

    protected override Task<OrchestratorRig> StartRigAsync() => OrchestratorRig.StartAsync(azurite, outOfProcess: true);

    protected override bool Uploaded(OrchestratorRig rig) => rig.Arm.Server.Requests.Any(r => r.Method == "POST" && r.Path.EndsWith("/stop", StringComparison.Ordinal));

    protected override int Reports(OrchestratorRig rig, string operationId) =>
        azurite.Container("reports").GetBlobs(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, $"{operationId}/target-0/", CancellationToken.None)
            .Count(b => b.Name.EndsWith(".json", StringComparison.Ordinal));

    [AzuriteTheory]
    [MemberData(nameof(KillPoints))]
    public Task A_vm_capture_ends_once_and_cleanly_whatever_step_the_server_is_killed_at(KillPoint point) => KillAndRestartAsync(point);
}

/// <summary>
/// A VPN gateway capture into a storage account (Azurite over HTTPS): storage stays up while the
/// server is down, so a stop whose answer was lost has uploaded its file, and sending it again
/// would upload (and analyse) a second one.
/// </summary>
[Collection(HttpsAzuriteCollection.Name)]
public sealed class GatewayOnStorageAccountCrashTests(Azurite azurite) : CrashTests
{
    public static TheoryData<KillPoint> AroundCalls => new([KillPoint.DuringStart, KillPoint.DuringStop]);

    protected override string Target => FakeNetworkWatcher.VpnGateway;

    protected override string StopPath => "/stopPacketCapture";

    protected override bool IsStart(RecordedRequest request) => request.Method == "POST" && request.Path.EndsWith("/startPacketCapture", StringComparison.Ordinal);

    protected override (string Method, string Path) StartCall => ("POST", "/startPacketCapture");

    protected override Task<OrchestratorRig> StartRigAsync() => OrchestratorRig.StartAsync(azurite, outOfProcess: true);

    protected override bool Uploaded(OrchestratorRig rig) => !rig.Arm.GatewayUploads.IsEmpty && !rig.Arm.GatewayCapturing;

    protected override int Reports(OrchestratorRig rig, string operationId) =>
        azurite.Container("reports").GetBlobs(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, $"{operationId}/target-0/", CancellationToken.None)
            .Count(b => b.Name.EndsWith(".json", StringComparison.Ordinal));

    [AzuriteTheory]
    [MemberData(nameof(AroundCalls))]
    public Task A_gateway_capture_on_a_storage_account_is_started_stopped_and_analysed_once_when_the_server_dies_during_those_calls(KillPoint point) => KillAndRestartAsync(point);
}

