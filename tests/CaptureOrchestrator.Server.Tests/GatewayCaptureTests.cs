using System.Text.Json.Nodes;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

[CollectionDefinition(Name)]
public sealed class HttpsAzuriteCollection : ICollectionFixture<Azurite>
{
    public const string Name = "Azurite over HTTPS";
}

/// <summary>
/// A VPN gateway target through the API: gateways upload their capture to a write-only HTTPS SAS
/// URL when stopped, so storage here is Azurite over HTTPS, and the fake gateway writes with the SAS.
/// </summary>
[Collection(HttpsAzuriteCollection.Name)]
public sealed class GatewayCaptureTests(Azurite azurite)
{
    [AzuriteFact]
    public async Task A_vpn_gateway_capture_is_uploaded_through_a_write_only_sas_analysed_and_reported()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0060001", targets: FakeNetworkWatcher.VpnGateway));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(90));

        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.True(target["state"]!.GetValue<string>() == "Analyzed", status.ToJsonString());
        Assert.Contains("TCP_RESET_MIDSTREAM", target["analysis"]!["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));
        Assert.False(rig.Arm.GatewayCapturing);

        // The gateway got an HTTPS container SAS that may create and write, and nothing else.
        Uri sas = Assert.Single(rig.Arm.GatewayUploads);
        Assert.Equal(Uri.UriSchemeHttps, sas.Scheme);
        string permissions = System.Web.HttpUtility.ParseQueryString(sas.Query)["sp"]!;
        Assert.All(permissions, p => Assert.Contains(p, "acw"));
        Assert.DoesNotContain('r', permissions);

        var container = new global::Azure.Storage.Blobs.BlobContainerClient(new Uri(sas.GetLeftPart(UriPartial.Path)), Azurite.DevelopmentKey, azurite.Options());
        // The gateway's file, and the orchestrator's record that it asked for the capture (what makes a start repeated after a crash safe).
        Assert.Equal(["start-requested-by-capture-orchestrator.txt", "vpngw1_capture.pcap"], container.GetBlobs().Select(b => b.Name));
        Assert.Contains("vpngw1", Assert.Single(rig.TeamsCards), StringComparison.Ordinal);
    }
}
