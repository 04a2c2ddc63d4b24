using System.Net;
using System.Text.Json.Nodes;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// The self-hosted server with no storage account: a VPN gateway capture through the API, the
/// gateway uploading into the server's own local blob store over HTTPS with the write SAS it is given,
/// the report written there, and its links served by the server — no Azurite, no Azure Storage.
/// </summary>
public sealed class LocalStoreCaptureTests
{
    [Fact]
    public async Task A_gateway_capture_lands_in_the_local_store_and_the_report_links_are_served_by_the_server()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(storage: null);

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0060002", targets: FakeNetworkWatcher.VpnGateway));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(90));

        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.True(target["state"]!.GetValue<string>() == "Analyzed", status.ToJsonString());
        Assert.Contains("TCP_RESET_MIDSTREAM", target["analysis"]!["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));

        // The gateway was given the server's HTTPS address, its local account, and a write-only SAS.
        Uri upload = Assert.Single(rig.Arm.GatewayUploads);
        Assert.Equal(Uri.UriSchemeHttps, upload.Scheme);
        Assert.StartsWith("/local/", upload.AbsolutePath, StringComparison.Ordinal);
        Assert.DoesNotContain('r', System.Web.HttpUtility.ParseQueryString(upload.Query)["sp"]!);

        // The report link is served by the server itself, as read-only, and the file is in the data folder.
        var report = new Uri(status["result"]!["report"]!["json"]!.GetValue<string>());
        Assert.Equal(upload.Authority, report.Authority);
        using HttpClient browser = rig.Arm.GatewayHttp!();
        HttpResponseMessage read = await browser.GetAsync(report);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains(operationId, await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.DeleteAsync(report)).StatusCode);
        string data = rig.Settings["CaptureOrchestrator:DataFolder"]!;
        Assert.Contains(Directory.GetFiles(Path.Combine(data, "blobs"), "*.pcap", SearchOption.AllDirectories), f => f.EndsWith("vpngw1_capture.pcap", StringComparison.Ordinal));
        Assert.Contains(report.GetLeftPart(UriPartial.Path), Assert.Single(rig.TeamsCards), StringComparison.Ordinal);

        // The page a person opens is stored beside them, is the card's "Report" button, and links the
        // target's own page, which draws the reset connection packet by packet.
        var page = new Uri(status["result"]!["report"]!["html"]!.GetValue<string>());
        JsonArray actions = JsonNode.Parse(rig.TeamsCards[0])!["attachments"]![0]!["content"]!["actions"]!.AsArray();
        Assert.Equal(page.AbsoluteUri, actions.Single(a => a!["title"]!.GetValue<string>() == "Report")!["url"]!.GetValue<string>());
        HttpResponseMessage opened = await browser.GetAsync(page);
        Assert.Equal("text/html", opened.Content.Headers.ContentType?.MediaType);
        string operationPage = await opened.Content.ReadAsStringAsync();
        Assert.Contains("TCP_RESET_MIDSTREAM", operationPage, StringComparison.Ordinal);
        string targetLink = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(operationPage, "<a href=\"([^\"]+)\">Full report").Groups[1].Value);
        string targetPage = await browser.GetStringAsync(new Uri(targetLink));
        Assert.Contains("<svg class=\"ladder\"", targetPage, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"Reset\"", targetPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vm_target_is_refused_up_front_when_no_storage_account_can_receive_its_capture()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(storage: null);

        HttpResponseMessage refused = await rig.SendSignedAsync(HttpMethod.Post, "/api/captures",
            OrchestratorRig.CaptureRequest("INC0060003", targets: [FakeNetworkWatcher.VpnGateway, FakeNetworkWatcher.Vm]));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonObject errors = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Equal(["targets[1].resourceId"], errors.Select(e => e.Key));
        Assert.Contains("no capture storage account", errors["targets[1].resourceId"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(rig.Arm.Server.Requests);
    }

    [Fact]
    public async Task A_triage_of_a_vm_is_refused_up_front_too_naming_the_field_inside_its_capture()
    {
        // Capture and triage start through one sequence: the same target rule, the field named where it sits.
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(storage: null);

        HttpResponseMessage refused = await rig.SendSignedAsync(HttpMethod.Post, "/api/triage", new
        {
            capture = new { ticket = new { system = "servicenow", id = "INC0060005" }, durationSeconds = 2 },
            path = new { virtualMachineId = FakeNetworkWatcher.Vm, protocol = "tcp", localIp = "10.1.0.4", remoteIp = "10.2.0.20", remotePort = 1433 },
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonObject errors = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Equal(["capture.targets[0].resourceId"], errors.Select(e => e.Key));
        Assert.Contains("no capture storage account", errors["capture.targets[0].resourceId"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(rig.Arm.Server.Requests);
    }

    [Fact]
    public async Task Without_an_https_address_gateway_and_firewall_targets_are_refused_up_front_naming_the_fix()
    {
        // Plain HTTP only: the upload SAS would be http://, and gateways and firewalls upload only to https.
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(storage: null, settings =>
        {
            settings["urls"] = "http://127.0.0.1:0";
            settings.Remove("Kestrel:Certificates:Default:Path");
            settings.Remove("Kestrel:Certificates:Default:Password");
        });

        HttpResponseMessage refused = await rig.SendSignedAsync(HttpMethod.Post, "/api/captures",
            OrchestratorRig.CaptureRequest("INC0060004", filter: new Core.Requests.TrafficFilterRequest(LocalIp: "10.1.0.4", RemoteIp: "10.2.0.20", RemotePort: 443), targets: [FakeNetworkWatcher.VpnGateway, FakeNetworkWatcher.Firewall]));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonObject errors = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Equal(["targets[0].resourceId", "targets[1].resourceId"], errors.Select(e => e.Key));
        Assert.All(errors, e => Assert.Contains("upload capture files only to an https URL", e.Value!.ToJsonString(), StringComparison.Ordinal));
        Assert.Contains("PublicUrl", errors["targets[0].resourceId"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(rig.Arm.Server.Requests); // no capture was started on the gateway to fail at stop
    }
}
