using System.Net;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// An Azure Firewall target through the API: the firewall is read (it needs a management NIC), the
/// capture started with packetCaptureOperation and a write-only container SAS, stopped when the window
/// ends, and its per-instance files (one empty) analysed. Storage is Azurite over HTTPS.
/// </summary>
[Collection(HttpsAzuriteCollection.Name)]
public sealed class FirewallCaptureTests(Azurite azurite)
{
    private static readonly TrafficFilterRequest AppFlow = new(LocalIp: "10.1.0.4", RemoteIp: "10.2.0.30", RemotePort: 8080, Protocol: "tcp");

    [AzuriteFact]
    public async Task A_firewall_capture_is_started_with_the_flow_and_a_write_only_sas_stopped_and_its_instance_files_analysed()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0070001", filter: AppFlow, targets: FakeNetworkWatcher.Firewall));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(90));

        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.True(target["state"]!.GetValue<string>() == "Analyzed", status.ToJsonString());
        Assert.Contains("TCP_RESET_MIDSTREAM", target["analysis"]!["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));
        Assert.DoesNotContain("CAPTURE_EMPTY", target["analysis"]!["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));
        Assert.EndsWith("(2 capture files, 1 empty: no matching packet passed those instances)", target["analysis"]!["verdict"]!.GetValue<string>(), StringComparison.Ordinal);

        // Started once with the request's flow (the firewall's minimum duration), stopped by the workflow; nothing left running.
        JsonObject start = Assert.Single(rig.Arm.FirewallStarts);
        Assert.Equal(30, start["durationInSeconds"]!.GetValue<int>());
        JsonNode filter = Assert.Single(start["filters"]!.AsArray())!;
        Assert.Equal(("10.1.0.4", "10.2.0.30", "8080"), (filter["sources"]![0]!.GetValue<string>(), filter["destinations"]![0]!.GetValue<string>(), filter["destinationPorts"]![0]!.GetValue<string>()));
        Assert.Equal("Start", rig.Arm.FirewallOperations.First());
        Assert.Contains("Stop", rig.Arm.FirewallOperations);
        Assert.False(rig.Arm.FirewallCapturing);

        // The firewall got an HTTPS container SAS that may write and nothing else; both instance files are there, the empty one ignored.
        var sas = new Uri(start["sasUrl"]!.GetValue<string>());
        System.Collections.Specialized.NameValueCollection query = System.Web.HttpUtility.ParseQueryString(sas.Query);
        Assert.Equal((Uri.UriSchemeHttps, "c"), (sas.Scheme, query["sr"]));
        Assert.All(query["sp"]!, p => Assert.Contains(p, "acw"));
        var container = new global::Azure.Storage.Blobs.BlobContainerClient(new Uri(sas.GetLeftPart(UriPartial.Path)), Azurite.DevelopmentKey, azurite.Options());
        string fileName = start["fileName"]!.GetValue<string>();
        Assert.Equal([$"{fileName}_0.pcap", $"{fileName}_1.pcap", "start-requested-by-capture-orchestrator.txt"], container.GetBlobs().Select(b => b.Name));
        Assert.Contains("fw1", Assert.Single(rig.TeamsCards), StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task When_every_instance_writes_an_empty_file_the_answer_is_that_no_packet_matched_not_a_missing_file()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        rig.Arm.FirewallMatchesNothing = true;

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0070005", filter: AppFlow, targets: FakeNetworkWatcher.Firewall));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(90));

        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.True(target["state"]!.GetValue<string>() == "Analyzed", status.ToJsonString());
        Assert.Equal(["CAPTURE_EMPTY"], target["analysis"]!["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));
        Assert.Equal(0, target["analysis"]!["packets"]!.GetValue<long>());
        Assert.EndsWith("(2 capture files, 2 empty: no matching packet passed those instances)", target["analysis"]!["verdict"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task A_firewall_without_a_management_nic_fails_its_target_with_the_reason_and_nothing_is_started()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        rig.Arm.FirewallHasManagementNic = false;

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0070002", filter: AppFlow, targets: FakeNetworkWatcher.Firewall));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(60));

        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.True(target["state"]!.GetValue<string>() == "Failed", status.ToJsonString());
        Assert.Contains("management NIC", target["problem"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(rig.Arm.FirewallOperations);
        Assert.Contains("management NIC", Assert.Single(rig.TeamsCards), StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task Someone_elses_capture_on_the_firewall_fails_the_target_and_is_left_running()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        rig.Arm.StartForeignFirewallCapture();

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0070003", filter: AppFlow, targets: FakeNetworkWatcher.Firewall));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(60));

        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.True(target["state"]!.GetValue<string>() == "Failed", status.ToJsonString());
        Assert.Contains("fw1 is already running a packet capture this operation did not start", target["problem"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["Start"], rig.Arm.FirewallOperations); // no Stop: the running capture is not ours
        Assert.True(rig.Arm.FirewallCapturing);
    }

    [AzuriteFact]
    public async Task A_firewall_target_without_the_full_flow_is_refused_naming_each_missing_field_and_nothing_starts()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);

        HttpResponseMessage refused = await rig.SendSignedAsync(HttpMethod.Post, "/api/captures",
            OrchestratorRig.CaptureRequest("INC0070004", filter: new TrafficFilterRequest(LocalIp: "10.1.0.4"), targets: FakeNetworkWatcher.Firewall));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonObject problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["filter.remoteIp", "filter.remotePort"], problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Empty(rig.Arm.FirewallOperations);
        Assert.Empty(rig.Arm.Server.Requests);
    }
}
