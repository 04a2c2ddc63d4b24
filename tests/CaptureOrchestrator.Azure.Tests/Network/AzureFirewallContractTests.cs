using System.Text.Json.Nodes;
using Azure;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Network;

public sealed class AzureFirewallContractTests : IAsyncLifetime
{
    private const string FirewallPath = $"/subscriptions/{RestExample.ZeroSubscription}/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/azureFirewall1";
    private static readonly ArmResourceId Firewall = ArmResourceId.Parse(FirewallPath);
    private LoopbackHttpsServer _server = null!;
    private AzureFirewallClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync();
        _client = new AzureFirewallClient(ArmTestOptions.Credential, ArmTestOptions.For(_server));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static FirewallPacketCaptureDefinition ExampleDefinition() => new()
    {
        DurationInSeconds = 300,
        NumberOfPacketsToCapture = 5000,
        FileName = "azureFirewallPacketCapture",
        Protocol = "Any",
        Flags = ["syn", "fin"],
        Filters =
        [
            new FirewallPacketCaptureFilter { Sources = ["20.1.1.0"], Destinations = ["20.1.2.0"], DestinationPorts = ["4500"] },
            new FirewallPacketCaptureFilter { Sources = ["10.1.1.0", "10.1.1.1"], Destinations = ["10.1.2.0"], DestinationPorts = ["123", "80"] },
        ],
    };

    [RestExamplesFact]
    public async Task Get_reads_sku_management_nic_and_additional_properties()
    {
        _server.Enqueue(RestExample.Load("2026-01-01__AzureFirewallGet.json").Reply(200));

        AzureFirewall firewall = (await _client.GetAsync(Firewall)).Value;

        Assert.Equal("GET", _server.Requests[0].Method);
        Assert.Equal(FirewallPath, _server.Requests[0].Path);
        Assert.Equal(ArmApiVersions.Network, _server.Requests[0].Query["api-version"]);
        Assert.Equal(("AZFW_VNet", "Standard"), (firewall.SkuName, firewall.SkuTier));
        Assert.False(firewall.HasManagementIpConfiguration);
        Assert.False(firewall.SupportsPacketCapture); // a Standard VNet firewall without a management NIC cannot capture
        Assert.Empty(firewall.AdditionalProperties);
    }

    [RestExamplesFact]
    public async Task Start_sends_the_example_parameters_with_operation_Start()
    {
        var example = RestExample.Load("2026-01-01__AzureFirewallPacketCaptureOperation.json");
        _server.Enqueue(example.Reply(202));
        _server.Enqueue(new Reply(200, """{"status":"Succeeded"}"""));
        _server.Enqueue(new Reply(200, """{"statusCode":"AzureFirewallPacketCaptureStartSucceeded","message":"started"}"""));

        FirewallPacketCaptureResult result = (await _client.StartPacketCaptureAsync(Firewall, ExampleDefinition(), new Uri("https://st.blob.core.windows.net/fw?sig=abc"))).Value;

        RecordedRequest request = _server.Requests[0];
        Assert.Equal(FirewallPath + "/packetCaptureOperation", request.Path);
        JsonNode expected = example.RequestBody!.DeepClone();
        expected["operation"] = "Start";
        expected["sasUrl"] = "https://st.blob.core.windows.net/fw?sig=abc";
        RestExample.AssertSameJson(expected, request.Body);
        Assert.Equal("AzureFirewallPacketCaptureStartSucceeded", result.StatusCode);
        Assert.Equal(3, _server.Requests.Count); // async status, then the Location's final answer
    }

    [RestExamplesFact]
    public async Task Status_sends_only_the_operation_and_reads_in_progress()
    {
        _server.Enqueue(RestExample.Load("2026-01-01__AzureFirewallPacketCaptureOperation.json").Reply(200));

        FirewallPacketCaptureResult result = (await _client.GetPacketCaptureStatusAsync(Firewall)).Value;

        RestExample.AssertSameJson(JsonNode.Parse("""{"operation":"Status"}"""), _server.Requests[0].Body);
        Assert.True(result.IsInProgress);
        Assert.Contains("in progress", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_while_another_capture_runs_is_a_typed_error_with_the_firewall_status_code()
    {
        _server.Enqueue(new Reply(200, """{"statusCode":"AzureFirewallPacketCaptureInProgress","message":"Packet capture in progress."}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() =>
            _client.StartPacketCaptureAsync(Firewall, ExampleDefinition(), new Uri("https://st.blob.core.windows.net/fw?sig=abc")));

        Assert.Equal("AzureFirewallPacketCaptureInProgress", error.ErrorCode);
    }

    [Theory]
    [InlineData("durationInSeconds")]
    [InlineData("numberOfPacketsToCapture")]
    [InlineData("destinationPorts")]
    [InlineData("sources")]
    [InlineData("filters")]
    public async Task Definitions_outside_the_documented_limits_are_refused_before_calling_azure(string field)
    {
        FirewallPacketCaptureDefinition definition = ExampleDefinition();
        definition = field switch
        {
            "durationInSeconds" => definition with { DurationInSeconds = 29 },
            "numberOfPacketsToCapture" => definition with { NumberOfPacketsToCapture = 90_001 },
            "destinationPorts" => definition with { Filters = [new FirewallPacketCaptureFilter { Sources = ["10.0.0.4"], Destinations = ["10.0.1.4"] }] },
            "sources" => definition with { Filters = [new FirewallPacketCaptureFilter { Sources = ["10.0.0.0-10.0.0.9"], Destinations = ["10.0.1.4"], DestinationPorts = ["443"] }] },
            _ => definition with { Filters = [] },
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            _client.StartPacketCaptureAsync(Firewall, definition, new Uri("https://st.blob.core.windows.net/fw?sig=abc")));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }
}
