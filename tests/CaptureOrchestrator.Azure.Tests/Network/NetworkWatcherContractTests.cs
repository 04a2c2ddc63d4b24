using System.Text.Json.Nodes;
using Azure;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Network;

/// <summary>
/// Every Network Watcher operation against a real HTTPS server answering with the official example
/// bodies: method, path, api-version and body of the request asserted, the answer parsed.
/// </summary>
public sealed class NetworkWatcherContractTests : IAsyncLifetime
{
    private const string Sub = RestExample.ZeroSubscription;
    private const string WatcherPath = $"/subscriptions/{Sub}/resourceGroups/rg1/providers/Microsoft.Network/networkWatchers/nw1";
    private static readonly ArmResourceId Watcher = ArmResourceId.Parse(WatcherPath);
    private static readonly ArmResourceId Capture = Watcher.Child("packetCaptures", "pc1");
    private LoopbackHttpsServer _server = null!;
    private NetworkWatcherClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync();
        _client = new NetworkWatcherClient(ArmTestOptions.Credential, ArmTestOptions.For(_server));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private RecordedRequest Request(int index = 0) => _server.Requests[index];

    private void AssertRequest(RecordedRequest request, string method, string path)
    {
        Assert.Equal(method, request.Method);
        Assert.Equal(path, request.Path);
        Assert.Equal(ArmApiVersions.Network, request.Query["api-version"]);
        Assert.Equal("Bearer " + ArmTestOptions.Token, request.Headers["Authorization"]);
    }

    [RestExamplesFact]
    public async Task Create_sends_the_example_body_follows_the_async_operation_and_reads_the_capture()
    {
        var example = RestExample.Load("2026-01-01__NetworkWatcherPacketCaptureCreate.json");
        Reply created = example.Reply(201);
        _server.Enqueue(created with { Headers = [.. created.Headers, ("Azure-AsyncOperation", $"{{base}}/subscriptions/{Sub}/providers/Microsoft.Network/locations/westus/operations/op1?api-version=2026-01-01")] });
        _server.Enqueue(new Reply(200, """{"status":"Succeeded"}"""));
        _server.Enqueue(RestExample.Load("2025-09-01__NetworkWatcherPacketCaptureGet.json").Reply(200));
        JsonNode properties = example.RequestBody!["properties"]!;
        var definition = new PacketCaptureDefinition
        {
            Target = ArmResourceId.Parse(properties["target"]!.GetValue<string>()),
            BytesToCapturePerPacket = 10000,
            TotalBytesPerSession = 100000,
            TimeLimitInSeconds = 100,
            StorageLocation = new PacketCaptureStorageLocation
            {
                FilePath = @"D:\capture\pc1.cap",
                StorageId = ArmResourceId.Parse(properties["storageLocation"]!["storageId"]!.GetValue<string>()),
                StoragePath = new Uri("https://mytestaccountname.blob.core.windows.net/capture/pc1.cap"),
            },
            Filters = [new PacketCaptureFilter { Protocol = "TCP", LocalIPAddress = "10.0.0.4", LocalPort = "80" }],
        };

        PacketCapture capture = (await _client.CreatePacketCaptureAsync(Watcher, "pc1", definition)).Value;

        AssertRequest(Request(0), "PUT", WatcherPath + "/packetCaptures/pc1");
        JsonNode expected = example.RequestBody!.DeepClone();
        expected["properties"]!["targetType"] = "AzureVM"; // we always say which kind of target it is
        RestExample.AssertSameJson(expected, Request(0).Body);
        Assert.Equal(3, _server.Requests.Count);
        Assert.Equal("GET", Request(2).Method);
        Assert.Equal(Capture, capture.Id);
        Assert.Equal(PacketCaptureProvisioningState.Updating, capture.ProvisioningState);
        Assert.Equal("W/\"00000000-0000-0000-0000-000000000000\"", capture.ETag);
        Assert.Equal(new Uri("https://mytestaccountname.blob.core.windows.net/capture/pc1.cap"), capture.Definition.StorageLocation.StoragePath);
        Assert.Equal("80", Assert.Single(capture.Definition.Filters).LocalPort);
    }

    [Fact]
    public async Task Create_for_a_scale_set_sends_the_target_type_and_instance_scope()
    {
        _server.Enqueue(new Reply(201, $$$"""{"id":"{{{WatcherPath}}}/packetCaptures/pc2","name":"pc2","properties":{"target":"/subscriptions/{{{Sub}}}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1","targetType":"AzureVMSS","scope":{"include":["0","1"],"exclude":[]},"storageLocation":{"storageId":"/subscriptions/{{{Sub}}}/resourceGroups/rg2/providers/Microsoft.Storage/storageAccounts/pcstore"},"provisioningState":"Succeeded"}}"""));
        var definition = new PacketCaptureDefinition
        {
            Target = ArmResourceId.Parse($"/subscriptions/{Sub}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1"),
            TargetType = PacketCaptureTargetType.AzureVMSS,
            Scope = new PacketCaptureScope { Include = ["0", "1"] },
            StorageLocation = new PacketCaptureStorageLocation { StorageId = ArmResourceId.Parse($"/subscriptions/{Sub}/resourceGroups/rg2/providers/Microsoft.Storage/storageAccounts/pcstore") },
        };

        PacketCapture capture = (await _client.CreatePacketCaptureAsync(Watcher, "pc2", definition)).Value;

        JsonNode body = JsonNode.Parse(Request().Body)!["properties"]!;
        Assert.Equal("AzureVMSS", body["targetType"]!.GetValue<string>());
        Assert.Equal("""["0","1"]""", body["scope"]!["include"]!.ToJsonString());
        Assert.Equal(PacketCaptureTargetType.AzureVMSS, capture.Definition.TargetType);
        Assert.Equal(["0", "1"], capture.Definition.Scope!.Include);
    }

    [Theory]
    [InlineData("timeLimitInSeconds", 18_001, 0L)]
    [InlineData("totalBytesPerSession", 100, 4_294_967_296L)]
    [InlineData("target", 100, 0L)]
    public async Task Create_refuses_a_definition_outside_the_service_limits_before_calling_azure(string field, int seconds, long bytes)
    {
        var definition = new PacketCaptureDefinition
        {
            Target = field == "target"
                ? ArmResourceId.Parse($"/subscriptions/{Sub}/resourceGroups/rg2/providers/Microsoft.Network/virtualNetworkGateways/gw1")
                : ArmResourceId.Parse($"/subscriptions/{Sub}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachines/vm1"),
            TimeLimitInSeconds = seconds,
            TotalBytesPerSession = bytes,
            StorageLocation = new PacketCaptureStorageLocation { FilePath = "/var/captures/pc.cap" },
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _client.CreatePacketCaptureAsync(Watcher, "pc1", definition));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData("80-85;90", "localPort")]
    [InlineData("10.0.0.4; DROP", "localIPAddress")]
    [InlineData("70000", "localPort")]
    public void Filter_values_mixing_ranges_and_lists_or_out_of_range_are_refused(string value, string field)
    {
        var filter = field == "localPort" ? new PacketCaptureFilter { LocalPort = value } : new PacketCaptureFilter { LocalIPAddress = value };

        Assert.StartsWith(field + ":", filter.Validate(), StringComparison.Ordinal);
        Assert.Null(new PacketCaptureFilter { LocalPort = "80;443;", RemotePort = "1024-65535", LocalIPAddress = "10.0.0.4" }.Validate());
    }

    [RestExamplesFact]
    public async Task Get_reads_the_capture_and_its_blob_url()
    {
        _server.Enqueue(RestExample.Load("2025-09-01__NetworkWatcherPacketCaptureGet.json").Reply(200));

        PacketCapture capture = (await _client.GetPacketCaptureAsync(Capture)).Value;

        AssertRequest(Request(), "GET", WatcherPath + "/packetCaptures/pc1");
        Assert.Equal("pc1", capture.Name);
        Assert.Equal(100, capture.Definition.TimeLimitInSeconds);
        Assert.Equal(100000, capture.Definition.TotalBytesPerSession);
        Assert.Equal("capture/pc1.cap", capture.Definition.StorageLocation.StoragePath!.AbsolutePath.TrimStart('/'));
    }

    [RestExamplesFact]
    public async Task List_returns_every_capture_of_the_watcher_following_next_links()
    {
        var example = RestExample.Load("2026-01-01__NetworkWatcherPacketCapturesList.json");
        JsonObject firstPage = example.ResponseBody(200)!.DeepClone().AsObject();
        firstPage["nextLink"] = "NEXT";
        _server.Enqueue(request => new Reply(200, firstPage.ToJsonString().Replace("NEXT", _server.BaseUri.GetLeftPart(UriPartial.Authority) + WatcherPath + "/packetCaptures?api-version=2026-01-01&$skiptoken=abc", StringComparison.Ordinal)));
        _server.Enqueue(new Reply(200, """{"value":[]}"""));

        IReadOnlyList<PacketCapture> captures = (await _client.GetPacketCapturesAsync(Watcher)).Value;

        AssertRequest(Request(0), "GET", WatcherPath + "/packetCaptures");
        Assert.Equal("abc", Request(1).Query["$skiptoken"]);
        Assert.Equal(["pc1", "pc2"], captures.Select(c => c.Name));
        Assert.Equal([PacketCaptureProvisioningState.Updating, PacketCaptureProvisioningState.Succeeded], captures.Select(c => c.ProvisioningState));
    }

    [RestExamplesFact]
    public async Task Query_status_follows_the_location_and_reads_the_stop_reason()
    {
        var example = RestExample.Load("2025-09-01__NetworkWatcherPacketCaptureQueryStatus.json");
        _server.Enqueue(example.Reply(202));
        _server.Enqueue(example.Reply(200));

        PacketCaptureStatus status = (await _client.GetPacketCaptureStatusAsync(Capture)).Value;

        AssertRequest(Request(0), "POST", WatcherPath + "/packetCaptures/pc1/queryStatus");
        Assert.Equal(WatcherPath + "/troubleshoot", Request(1).Path); // the example's Location, followed as given
        Assert.Equal(PacketCaptureState.Stopped, status.State);
        Assert.Equal("TimeExceeded", status.StopReason);
        Assert.Equal(new DateTimeOffset(2016, 9, 7, 12, 35, 24, TimeSpan.Zero), status.CaptureStartTime);
        Assert.Empty(status.Errors);
    }

    [RestExamplesFact]
    public async Task Stop_posts_without_a_body_and_waits_for_the_location()
    {
        var example = RestExample.Load("2026-01-01__NetworkWatcherPacketCaptureStop.json");
        _server.Enqueue(example.Reply(202));
        _server.Enqueue(new Reply(200));

        Response response = await _client.StopPacketCaptureAsync(Capture);

        AssertRequest(Request(0), "POST", WatcherPath + "/packetCaptures/pc1/stop");
        Assert.Equal("", Request(0).Body);
        Assert.StartsWith(WatcherPath + "/operationresults/", Request(1).Path, StringComparison.Ordinal);
        Assert.Equal(200, response.Status);
    }

    [RestExamplesFact]
    public async Task Delete_waits_for_the_location_and_a_capture_already_gone_counts_as_deleted()
    {
        var example = RestExample.Load("2025-07-01__NetworkWatcherPacketCaptureDelete.json");
        _server.Enqueue(example.Reply(202));
        _server.Enqueue(example.Reply(204));
        _server.Enqueue(new Reply(404, """{"error":{"code":"ResourceNotFound","message":"gone"}}"""));

        Response first = await _client.DeletePacketCaptureAsync(Capture);
        Response second = await _client.DeletePacketCaptureAsync(Capture);

        AssertRequest(Request(0), "DELETE", WatcherPath + "/packetCaptures/pc1");
        Assert.Equal(204, first.Status);
        Assert.Equal(404, second.Status);
    }

    [RestExamplesFact]
    public async Task Ip_flow_verify_sends_the_five_tuple_and_reads_access_and_rule()
    {
        var example = RestExample.Load("2026-01-01__NetworkWatcherIpFlowVerify.json");
        _server.Enqueue(example.Reply(202));
        _server.Enqueue(new Reply(200, """{"access":"Deny","ruleName":"DefaultRule_DenyAllInBound"}"""));
        JsonNode body = example.RequestBody!;

        IpFlowVerifyResult result = (await _client.VerifyIpFlowAsync(Watcher, new IpFlowVerifyRequest
        {
            TargetResourceId = ArmResourceId.Parse(body["targetResourceId"]!.GetValue<string>()),
            Direction = "Outbound",
            Protocol = "TCP",
            LocalIPAddress = "10.2.0.4",
            LocalPort = "80",
            RemoteIPAddress = "121.10.1.1",
            RemotePort = "80",
        })).Value;

        AssertRequest(Request(0), "POST", WatcherPath + "/ipFlowVerify");
        RestExample.AssertSameJson(body, Request(0).Body);
        // The 202's example body says Allow; the result is the Location's answer, not the 202's.
        Assert.Equal(new IpFlowVerifyResult("Deny", "DefaultRule_DenyAllInBound"), result);
    }

    [RestExamplesFact]
    public async Task Ip_flow_verify_answered_at_once_reads_the_200_body()
    {
        var example = RestExample.Load("2026-01-01__NetworkWatcherIpFlowVerify.json");
        _server.Enqueue(example.Reply(200));

        IpFlowVerifyResult result = (await _client.VerifyIpFlowAsync(Watcher, new IpFlowVerifyRequest
        {
            TargetResourceId = ArmResourceId.Parse($"/subscriptions/{Sub}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachines/vm1"),
            Direction = "Outbound", Protocol = "TCP", LocalIPAddress = "10.2.0.4", LocalPort = "80", RemoteIPAddress = "121.10.1.1", RemotePort = "80",
        })).Value;

        Assert.Equal(new IpFlowVerifyResult("Allow", "Rule1"), result);
        Assert.Single(_server.Requests);
    }

    [RestExamplesFact]
    public async Task Next_hop_sends_the_addresses_and_nic_and_reads_the_hop()
    {
        var example = RestExample.Load("2025-07-01__NetworkWatcherNextHopGet.json");
        _server.Enqueue(example.Reply(202));
        _server.Enqueue(example.Reply(200));
        JsonNode body = example.RequestBody!;

        NextHopResult result = (await _client.GetNextHopAsync(Watcher, new NextHopRequest
        {
            TargetResourceId = ArmResourceId.Parse(body["targetResourceId"]!.GetValue<string>()),
            SourceIPAddress = "10.0.0.5",
            DestinationIPAddress = "10.0.0.10",
            TargetNicResourceId = ArmResourceId.Parse(body["targetNicResourceId"]!.GetValue<string>()),
        })).Value;

        AssertRequest(Request(0), "POST", WatcherPath + "/nextHop");
        RestExample.AssertSameJson(body, Request(0).Body);
        Assert.Equal("VnetLocal", result.NextHopType);
        Assert.Equal("10.0.0.1", result.NextHopIpAddress);
        Assert.EndsWith("/routeTables/rt1", result.RouteTableId, StringComparison.Ordinal);
    }

    [RestExamplesFact]
    public async Task Connectivity_check_sends_source_and_destination_and_reads_hops_and_latency()
    {
        var example = RestExample.Load("2025-09-01__NetworkWatcherConnectivityCheck.json");
        _server.Enqueue(example.Reply(202));
        _server.Enqueue(example.Reply(200));
        JsonNode body = example.RequestBody!;

        ConnectivityCheckResult result = (await _client.CheckConnectivityAsync(Watcher, new ConnectivityCheckRequest
        {
            Source = new ConnectivitySource(ArmResourceId.Parse(body["source"]!["resourceId"]!.GetValue<string>())),
            Destination = new ConnectivityDestination(Address: "192.168.100.4", Port: 3389),
            PreferredIPVersion = "IPv4",
        })).Value;

        AssertRequest(Request(0), "POST", WatcherPath + "/connectivityCheck");
        RestExample.AssertSameJson(body, Request(0).Body);
        Assert.Equal("Connected", result.ConnectionStatus);
        Assert.Equal((1, 1, 4, 100, 0), (result.AvgLatencyInMs, result.MinLatencyInMs, result.MaxLatencyInMs, result.ProbesSent, result.ProbesFailed));
        Assert.Equal(["Source", "VirtualNetwork"], result.Hops.Select(h => h.Type));
        Assert.Equal(result.Hops[1].Id, Assert.Single(result.Hops[0].NextHopIds!));
    }

    [Fact]
    public async Task The_watcher_for_a_region_is_found_by_listing_not_by_its_conventional_name()
    {
        string listPath = $"/subscriptions/{Sub}/providers/Microsoft.Network/networkWatchers";
        for (int search = 0; search < 2; search++)
        {
            _server.Enqueue(_ => new Reply(200, $$"""{"value":[{"id":"/subscriptions/{{Sub}}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_eastus","location":"eastus"}],"nextLink":"{{_server.BaseUri.GetLeftPart(UriPartial.Authority)}}{{listPath}}?api-version=2026-01-01&page=2"}"""));
            _server.Enqueue(new Reply(200, $$"""{"value":[{"id":"/subscriptions/{{Sub}}/resourceGroups/ops-rg/providers/Microsoft.Network/networkWatchers/nw-weu","location":"westeurope"}]}"""));
        }

        NetworkWatcher watcher = (await _client.FindNetworkWatcherAsync(Guid.Empty, "West Europe")).Value;

        Assert.Equal("nw-weu", watcher.Id.Name);
        Assert.Equal("ops-rg", watcher.Id.ResourceGroupName);
        AssertRequest(Request(0), "GET", listPath);
        Assert.Equal("2", Request(1).Query["page"]);

        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => _client.FindNetworkWatcherAsync(Guid.Empty, "northeurope"));
        Assert.Equal("NetworkWatcherNotFound", missing.ErrorCode);
        Assert.Contains("northeurope", missing.Message, StringComparison.Ordinal);
        Assert.Equal(4, _server.Requests.Count);
    }
}
