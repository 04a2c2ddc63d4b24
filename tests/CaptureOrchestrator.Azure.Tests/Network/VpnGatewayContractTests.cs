using System.Text.Json.Nodes;
using Azure;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Network;

public sealed class VpnGatewayContractTests : IAsyncLifetime
{
    private const string Rg = $"/subscriptions/{RestExample.ZeroSubscription}/resourceGroups/rg1/providers/Microsoft.Network";
    private static readonly Uri SasUrl = new("https://teststorage.blob.core.windows.net/?sv=2018-03-28&ss=bfqt&srt=sco&sp=rwdlacup&se=2019-09-13T07:44:05Z&st=2019-09-06T23:44:05Z&spr=https&sig=V1h9D1riltvZMI69d6ihENnFo%2FrCvTqGgjO2lf%2FVBhE%3D");

    // The filter of every filterData example: TracingFlags 11, 120 bytes per packet, 200 MB, one IKE-over-NAT-T TCP filter.
    private static readonly VpnPacketCaptureFilter ExampleFilter = new()
    {
        MaxPacketBufferSize = 120,
        MaxFileSize = 200,
        Filters = [new VpnTrafficFilter
        {
            SourceSubnets = ["20.1.1.0/24"],
            DestinationSubnets = ["10.1.1.0/24"],
            SourcePort = [500],
            DestinationPort = [4500],
            Protocol = 6,
            TcpFlags = 16,
            CaptureSingleDirectionTrafficOnly = true,
        }],
    };

    private LoopbackHttpsServer _server = null!;
    private VpnGatewayClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync();
        _client = new VpnGatewayClient(ArmTestOptions.Credential, ArmTestOptions.For(_server));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string, string, bool> Operations() => new()
    {
        // example file, target path, action path, with filter / link names
        { "2026-01-01__VirtualNetworkGatewayStartPacketCapture.json", "/virtualNetworkGateways/vpngw", "/startPacketCapture", false },
        { "2025-09-01__VirtualNetworkGatewayStartPacketCaptureFilterData.json", "/virtualNetworkGateways/vpngw", "/startPacketCapture", true },
        { "2026-01-01__VirtualNetworkGatewayStopPacketCapture.json", "/virtualNetworkGateways/vpngw", "/stopPacketCapture", false },
        { "2025-07-01__VirtualNetworkGatewayConnectionStartPacketCapture.json", "/connections/vpngwcn1", "/startPacketCapture", false },
        { "2026-01-01__VirtualNetworkGatewayConnectionStartPacketCaptureFilterData.json", "/connections/vpngwcn1", "/startPacketCapture", true },
        { "2025-07-01__VirtualNetworkGatewayConnectionStopPacketCapture.json", "/connections/vpngwcn1", "/stopPacketCapture", false },
        { "2025-09-01__VpnGatewayStartPacketCapture.json", "/vpnGateways/vpngw", "/startpacketcapture", false },
        { "2026-01-01__VpnGatewayStartPacketCaptureFilterData.json", "/vpnGateways/vpngw", "/startpacketcapture", true },
        { "2026-01-01__VpnGatewayStopPacketCapture.json", "/vpnGateways/vpngw", "/stoppacketcapture", false },
        { "2025-09-01__VpnConnectionStartPacketCapture.json", "/vpnGateways/gateway1/vpnConnections/vpnConnection1", "/startpacketcapture", true },
        { "2025-07-01__VpnConnectionStopPacketCapture.json", "/vpnGateways/gateway1/vpnConnections/vpnConnection1", "/stoppacketcapture", true },
    };

    [RestExamplesTheory]
    [MemberData(nameof(Operations))]
    public async Task Start_and_stop_send_the_example_request_follow_the_operation_and_read_the_string_result(string file, string target, string action, bool detailed)
    {
        var example = RestExample.Load(file);
        _server.Enqueue(example.Reply(202));
        if (example.Reply(202).Headers.Any(h => h.Name.Equals("Azure-AsyncOperation", StringComparison.OrdinalIgnoreCase)))
        {
            _server.Enqueue(new Reply(200, """{"status":"Succeeded"}"""));
        }
        else
        {
            _server.Enqueue(example.Reply(200));
        }

        ArmResourceId id = ArmResourceId.Parse(Rg + target);
        bool vwanConnection = target.Contains("vpnConnections", StringComparison.Ordinal);
        string[]? links = detailed && vwanConnection ? example.RequestBody!["linkConnectionNames"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray() : null;

        VpnPacketCaptureResult result = action.StartsWith("/start", StringComparison.Ordinal)
            ? (await _client.StartPacketCaptureAsync(id, detailed && !vwanConnection ? ExampleFilter : null, links)).Value
            : (await _client.StopPacketCaptureAsync(id, SasUrl, links)).Value;

        RecordedRequest request = _server.Requests[0];
        Assert.Equal("POST", request.Method);
        Assert.Equal(Rg + target + action, request.Path);
        Assert.Equal(ArmApiVersions.Network, request.Query["api-version"]);
        Assert.True(result.Succeeded);
        Assert.Equal(2, _server.Requests.Count);

        JsonNode? expected = example.RequestBody?.DeepClone();
        if (expected?["filterData"] is JsonNode filterData)
        {
            // The examples write the inner document with single quotes; we send standard JSON.
            // Compare the documents, not the quoting.
            JsonNode sent = JsonNode.Parse(JsonNode.Parse(request.Body)!["filterData"]!.GetValue<string>())!;
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(filterData.GetValue<string>().Replace('\'', '"')), sent), "filterData document differs: " + sent.ToJsonString());
            expected.AsObject().Remove("filterData");
            JsonObject rest = JsonNode.Parse(request.Body)!.AsObject();
            rest.Remove("filterData");
            RestExample.AssertSameJson(expected, rest.ToJsonString());
        }
        else
        {
            RestExample.AssertSameJson(expected, request.Body);
        }
    }

    [RestExamplesFact]
    public void The_doubly_wrapped_string_result_of_the_examples_parses()
    {
        JsonNode body = RestExample.Load("2026-01-01__VpnGatewayStopPacketCapture.json").ResponseBody(200)!;

        VpnPacketCaptureResult result = VpnPacketCaptureResult.Parse(BinaryData.FromString(body.ToJsonString()));

        Assert.Equal("Successful", result.Status);
        Assert.Null(result.Data);
    }

    [Fact]
    public async Task A_gateway_that_answers_a_failed_status_is_a_typed_error_naming_it()
    {
        _server.Enqueue(new Reply(200, "\"{\\\"Status\\\":\\\"Failed\\\",\\\"Data\\\":\\\"A packet capture is already running on this gateway\\\"}\""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.StartPacketCaptureAsync(ArmResourceId.Parse(Rg + "/virtualNetworkGateways/vpngw")));

        Assert.Equal("VpnPacketCaptureFailed", error.ErrorCode);
        Assert.Contains("already running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_without_a_signed_https_sas_url_is_refused_before_calling_azure()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _client.StopPacketCaptureAsync(
            ArmResourceId.Parse(Rg + "/virtualNetworkGateways/vpngw"), new Uri("http://teststorage.blob.core.windows.net/captures")));

        Assert.Equal("sasUrl", error.ParamName);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_resource_that_is_not_a_vpn_gateway_is_refused_with_its_type()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _client.StartPacketCaptureAsync(
            ArmResourceId.Parse(Rg + "/azureFirewalls/fw1")));

        Assert.Contains("Microsoft.Network/azureFirewalls", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void Filter_data_is_a_json_document_with_the_service_names_and_defaults_omitted()
    {
        string filterData = new VpnPacketCaptureFilter { TracingFlags = VpnTracingFlags.Ike }.ToFilterData();

        Assert.Equal("""{"TracingFlags":2}""", filterData);
    }
}
