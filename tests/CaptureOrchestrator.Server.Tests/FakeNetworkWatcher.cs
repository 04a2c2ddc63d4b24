using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// An ARM endpoint on loopback that behaves like Network Watcher for one VM: it reports the VM and
/// its agent, lists the region's watcher, accepts a capture (201 + async operation), and when the
/// capture is stopped writes a real capture file (the project's demo scenario) into Azurite where
/// its storagePath says. Knobs make it throttle, fail, or never write the file. A VPN gateway and an
/// Azure Firewall (FakeNetworkWatcher.Firewall.cs) upload to the SAS URL they are given instead.
/// </summary>
public sealed partial class FakeNetworkWatcher : IAsyncDisposable
{
    public const string Subscription = "11111111-2222-3333-4444-555555555555";
    public const string Vm = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";
    public const string Vm2 = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm2";
    public const string VpnGateway = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Network/virtualNetworkGateways/vpngw1";
    private const string VpnResult = "\"{\\\"Status\\\":\\\"Successful\\\",\\\"Data\\\":null}\"";
    private const string VmPrefix = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/";
    public const string Watcher = $"/subscriptions/{Subscription}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope";
    public const string StorageAccount = $"/subscriptions/{Subscription}/resourceGroups/ops/providers/Microsoft.Storage/storageAccounts/captures";
    public const string Firewall = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Network/azureFirewalls/fw1";
    public const string Workspace = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.OperationalInsights/workspaces/logs";
    private const string FirewallSettings = Firewall + "/providers/Microsoft.Insights/diagnosticSettings";
    private const string FlowTraceFeature = $"/subscriptions/{Subscription}/providers/Microsoft.Features/providers/Microsoft.Network/features/AFWEnableTcpConnectionLogging";

    private readonly ConcurrentDictionary<string, JsonObject> _captures = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What a VM's capture holds, by VM name; VMs not listed capture the demo scenario.</summary>
    public ConcurrentDictionary<string, byte[]> VmCaptures { get; } = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, JsonObject> _firewallSettings = new(StringComparer.OrdinalIgnoreCase);
    private readonly Azurite? _storage;
    private int _throttle;
    private int _serverErrors;

    private FakeNetworkWatcher(LoopbackHttpsServer server, Azurite? storage)
    {
        Server = server;
        _storage = storage;
        server.Responder = Respond;
    }

    public LoopbackHttpsServer Server { get; }

    /// <summary>False: the capture "stops" but its file never reaches storage.</summary>
    public bool WritesFiles { get; set; } = true;

    /// <summary>Capture sessions deleted so far (cleanup evidence).</summary>
    public ConcurrentQueue<string> Deleted { get; } = new();

    public IEnumerable<string> LiveSessions => _captures.Keys;

    /// <summary>Whether the VPN gateway is capturing now.</summary>
    public bool GatewayCapturing { get; private set; }

    /// <summary>The SAS URLs the gateway was asked to upload its capture to.</summary>
    public ConcurrentQueue<Uri> GatewayUploads { get; } = new();

    /// <summary>Diagnostic-setting writes (PUT) on the firewall: each enable is one.</summary>
    public ConcurrentQueue<string> FirewallSettingWrites { get; } = new();

    /// <summary>Whether a diagnostic setting of the firewall sends AZFWFlowTrace now.</summary>
    public bool FlowTraceOn => _firewallSettings.Values.Any(setting =>
        setting["properties"]?["logs"] is JsonArray logs
        && logs.Any(l => l?["category"]?.GetValue<string>() == "AZFWFlowTrace" && l["enabled"]?.GetValue<bool>() == true));

    /// <param name="storage">Where Network Watcher writes VM captures; null for rigs without a storage account (gateways upload to the SAS they are given).</param>
    public static async Task<FakeNetworkWatcher> StartAsync(Azurite? storage) => new(await LoopbackHttpsServer.StartAsync(), storage);

    /// <summary>The HTTP client a gateway uploads its capture with (trusting the test's storage endpoint certificate).</summary>
    public Func<HttpClient>? GatewayHttp { get; set; }

    private Azurite Storage => _storage ?? throw new InvalidOperationException("this rig has no storage account for Network Watcher to write VM captures to");

    /// <summary>The next <paramref name="count"/> capture creations answer 429 with Retry-After: 1.</summary>
    public void ThrottleNextCreates(int count) => _throttle = count;

    /// <summary>The next <paramref name="count"/> requests of any kind answer 500.</summary>
    public void FailNextRequests(int count) => _serverErrors = count;

    private int _failingGatewayStops;
    private int _gatewayFiles;

    /// <summary>The next <paramref name="count"/> gateway stops are refused with 403 AuthorizationFailed (permanent: not retried), and the gateway goes on capturing.</summary>
    public void RefuseNextGatewayStops(int count) => _failingGatewayStops = count;

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    /// <summary>ARM requests the code sent that no row of <see cref="ArmOperations.All"/> lists (so the custom role would refuse them).</summary>
    public ConcurrentQueue<string> Unlisted { get; } = new();

    private Reply Respond(RecordedRequest request)
    {
        // Like ARM behind the product's least-privilege role: a request the operation table (from which the
        // role is derived) does not list is refused. The fake's own LRO URLs and Log Analytics are not ARM.
        if (!request.Path.StartsWith("/operations/", StringComparison.Ordinal) && !request.Path.StartsWith("/v1/workspaces/", StringComparison.Ordinal)
            && ArmOperations.Find(request.Method, request.Path) is null)
        {
            Unlisted.Enqueue($"{request.Method} {request.Path}");
            return Error(403, "AuthorizationFailed", $"{request.Method} {request.Path} is not in ArmOperations.All, so the custom role does not allow it");
        }

        if (Interlocked.Decrement(ref _serverErrors) >= 0)
        {
            return Error(500, "InternalServerError", "injected failure");
        }

        string path = request.Path;
        return (request.Method, path) switch
        {
            ("GET", _) when VmName(path) is { } vm && !vm.Contains('/', StringComparison.Ordinal) => Json(200, new JsonObject { ["name"] = vm, ["location"] = "westeurope", ["properties"] = new JsonObject { ["storageProfile"] = new JsonObject { ["osDisk"] = new JsonObject { ["osType"] = "Linux" } } } }),
            ("GET", _) when VmName(path) is { } vm && vm.EndsWith("/extensions", StringComparison.Ordinal) => Json(200, new JsonObject { ["value"] = new JsonArray(new JsonObject { ["name"] = "AzureNetworkWatcherExtension", ["properties"] = new JsonObject { ["publisher"] = "Microsoft.Azure.NetworkWatcher", ["type"] = "NetworkWatcherAgentLinux", ["provisioningState"] = "Succeeded" } }) }),
            ("GET", $"/subscriptions/{Subscription}/providers/Microsoft.Network/networkWatchers") => Json(200, new JsonObject { ["value"] = new JsonArray(new JsonObject { ["id"] = Watcher, ["location"] = "westeurope" }) }),
            ("GET", _) when path.StartsWith(FirewallOperationResults, StringComparison.Ordinal) => FirewallOperationResult(path),
            ("GET", _) when path.StartsWith("/operations/", StringComparison.Ordinal) => Json(200, new JsonObject { ["status"] = "Succeeded" }),
            ("POST", Watcher + "/ipFlowVerify") => Json(200, new JsonObject { ["access"] = "Allow", ["ruleName"] = "AllowVnetOutBound" }),
            ("POST", Watcher + "/nextHop") => Json(200, new JsonObject { ["nextHopType"] = "VirtualAppliance", ["nextHopIpAddress"] = "10.0.1.4", ["routeTableId"] = "/subscriptions/x/resourceGroups/net/providers/Microsoft.Network/routeTables/to-firewall" }),
            ("POST", Watcher + "/connectivityCheck") => Json(200, new JsonObject { ["connectionStatus"] = "Unreachable", ["hops"] = new JsonArray() }),
            ("POST", _) when path.StartsWith("/v1/workspaces/", StringComparison.Ordinal) => LogQuery(request),
            ("GET", Watcher + "/packetCaptures") => Json(200, new JsonObject { ["value"] = new JsonArray([.. _captures.Values.Select(c => c.DeepClone())]) }),
            _ when path.StartsWith(Watcher + "/packetCaptures/", StringComparison.OrdinalIgnoreCase) => Capture(request),
            ("GET", Firewall) => FirewallResource(),
            ("POST", Firewall + "/packetCaptureOperation") => FirewallCaptureOperation(request),
            ("POST", VpnGateway + "/startPacketCapture") => StartGatewayCapture(),
            ("POST", VpnGateway + "/stopPacketCapture") => StopGatewayCapture(request),
            ("GET", FlowTraceFeature) => Json(200, new JsonObject { ["name"] = "Microsoft.Network/AFWEnableTcpConnectionLogging", ["properties"] = new JsonObject { ["state"] = "Registered" } }),
            ("GET", FirewallSettings) => Json(200, new JsonObject { ["value"] = new JsonArray([.. _firewallSettings.Values.Select(v => v.DeepClone())]) }),
            _ when path.StartsWith(FirewallSettings + "/", StringComparison.OrdinalIgnoreCase) => FirewallSetting(request),
            _ => Error(404, "ResourceNotFound", $"the fake has no {request.Method} {path}"),
        };
    }

    /// <summary>"vm1" or "vm1/extensions" for a path under the app resource group's virtual machines.</summary>
    private static string? VmName(string path) => path.StartsWith(VmPrefix, StringComparison.OrdinalIgnoreCase) ? path[VmPrefix.Length..] : null;

    private Reply Capture(RecordedRequest request)
    {
        string rest = request.Path[(Watcher.Length + "/packetCaptures/".Length)..];
        string name = rest.Split('/')[0];
        string? action = rest.Contains('/', StringComparison.Ordinal) ? rest[(rest.IndexOf('/', StringComparison.Ordinal) + 1)..] : null;
        switch (request.Method, action)
        {
            case ("PUT", null):
                if (Interlocked.Decrement(ref _throttle) >= 0)
                {
                    return Error(429, "TooManyRequests", "slow down") with { Headers = [("Retry-After", "1")] };
                }

                JsonObject properties = JsonNode.Parse(request.Body)!["properties"]!.DeepClone().AsObject();
                properties["provisioningState"] = "Succeeded";
                string vmName = properties["target"]!.GetValue<string>().Split('/')[^1].ToLowerInvariant();
                properties["storageLocation"]!["storagePath"] = $"{Storage.AccountEndpoint}/network-watcher-logs/subscriptions/{Subscription}/resourcegroups/app/providers/microsoft.compute/virtualmachines/{vmName}/{name}.cap";
                _captures[name] = new JsonObject { ["id"] = Watcher + "/packetCaptures/" + name, ["name"] = name, ["properties"] = properties };
                return Json(201, _captures[name]) with { Headers = [("Azure-AsyncOperation", "{base}/operations/" + name)] };
            case ("GET", null):
                return _captures.TryGetValue(name, out JsonObject? capture) ? Json(200, capture) : Error(404, "ResourceNotFound", name);
            case ("POST", "stop"):
                if (_captures.TryGetValue(name, out JsonObject? stopped) && WritesFiles)
                {
                    WriteCaptureFile(stopped["properties"]!["storageLocation"]!["storagePath"]!.GetValue<string>());
                }

                return new Reply(200);
            case ("POST", "queryStatus"):
                return Json(200, new JsonObject { ["name"] = name, ["packetCaptureStatus"] = "Stopped", ["stopReason"] = "Manual", ["packetCaptureError"] = new JsonArray() });
            case ("DELETE", null):
                _captures.TryRemove(name, out _);
                Deleted.Enqueue(name);
                return new Reply(200);
            default:
                return Error(404, "ResourceNotFound", request.Path);
        }
    }

    private Reply StartGatewayCapture()
    {
        if (GatewayCapturing)
        {
            return Error(400, "PacketCaptureAlreadyRunning", "a packet capture is already running on vpngw1"); // as the service refuses a second one
        }

        GatewayCapturing = true;
        return new Reply(200, VpnResult);
    }

    /// <summary>As a gateway does: uploads its capture file into the container the SAS URL grants, then answers.</summary>
    private Reply StopGatewayCapture(RecordedRequest request)
    {
        if (Interlocked.Decrement(ref _failingGatewayStops) >= 0)
        {
            return Error(403, "AuthorizationFailed", "the client does not have authorization to perform action 'Microsoft.Network/virtualNetworkGateways/stopPacketCapture/action'");
        }

        var sas = new Uri(JsonNode.Parse(request.Body)!["sasUrl"]!.GetValue<string>());
        GatewayUploads.Enqueue(sas);
        GatewayCapturing = false;
        // Each stop that uploads writes a file of its own name, so a stop sent twice shows as two files.
        string name = _gatewayFiles == 0 ? "vpngw1_capture.pcap" : $"vpngw1_capture_{_gatewayFiles + 1}.pcap";
        int uploaded = UploadWithSas(sas, name, DemoCapture());
        if (uploaded < 300)
        {
            Interlocked.Increment(ref _gatewayFiles);
        }

        return uploaded < 300
            ? new Reply(200, VpnResult)
            : Error(400, "UploadFailed", $"the gateway could not write to the SAS URL: {uploaded}");
    }

    /// <summary>Writes a blob the way a gateway or firewall does: a plain Put Blob on the container SAS URL. The HTTP status.</summary>
    private int UploadWithSas(Uri containerSas, string blobName, byte[] content)
    {
        using HttpClient http = GatewayHttp?.Invoke() ?? Storage.CreateHttpClient();
        using var upload = new HttpRequestMessage(HttpMethod.Put, $"{containerSas.GetLeftPart(UriPartial.Path)}/{blobName}{containerSas.Query}") { Content = new ByteArrayContent(content) };
        upload.Headers.Add("x-ms-blob-type", "BlockBlob");
        upload.Headers.Add("x-ms-version", "2021-08-06");
        try
        {
            return (int)http.Send(upload).StatusCode;
        }
        catch (HttpRequestException)
        {
            return 503; // the storage endpoint is down (the self-hosted server's local store, killed)
        }
    }

    private static byte[] DemoCapture()
    {
        using var capture = new MemoryStream();
        DemoScenario.Build().WriteTo(capture);
        return capture.ToArray();
    }

    private Reply FirewallSetting(RecordedRequest request)
    {
        string name = Uri.UnescapeDataString(request.Path[(FirewallSettings.Length + 1)..]);
        switch (request.Method)
        {
            case "PUT":
                FirewallSettingWrites.Enqueue(name);
                var setting = new JsonObject { ["id"] = FirewallSettings + "/" + name, ["name"] = name, ["properties"] = JsonNode.Parse(request.Body)!["properties"]!.DeepClone() };
                _firewallSettings[name] = setting;
                return Json(200, setting);
            case "GET":
                return _firewallSettings.TryGetValue(name, out JsonObject? found) ? Json(200, found) : Error(404, "ResourceNotFound", name);
            case "DELETE":
                return new Reply(_firewallSettings.TryRemove(name, out _) ? 200 : 204);
            default:
                return Error(405, "MethodNotAllowed", request.Method);
        }
    }

    /// <summary>Log Analytics on the same endpoint: the firewall denied the flow three times; no flow logs in this workspace.</summary>
    private static Reply LogQuery(RecordedRequest request)
    {
        string query = JsonNode.Parse(request.Body)!["query"]!.GetValue<string>();
        if (query.StartsWith("NTANetAnalytics", StringComparison.Ordinal))
        {
            return Error(400, "BadArgumentError", "'NTANetAnalytics' could not be resolved");
        }

        var rows = new JsonArray();
        for (int i = 0; i < 3; i++)
        {
            rows.Add(new JsonArray("block-sql", "Deny"));
        }

        return Json(200, new JsonObject
        {
            ["tables"] = new JsonArray(new JsonObject
            {
                ["name"] = "PrimaryResult",
                ["columns"] = new JsonArray(new JsonObject { ["name"] = "Rule", ["type"] = "string" }, new JsonObject { ["name"] = "Action", ["type"] = "string" }),
                ["rows"] = rows,
            }),
        });
    }

    private void WriteCaptureFile(string storagePath)
    {
        string relative = storagePath[(Storage.AccountEndpoint.AbsoluteUri.TrimEnd('/').Length + 1)..];
        string container = relative.Split('/')[0];
        global::Azure.Storage.Blobs.BlobContainerClient client = Storage.Container(container);
        client.CreateIfNotExistsAsync().GetAwaiter().GetResult();
        string vmName = relative.Split('/').SkipWhile(part => !part.Equals("virtualmachines", StringComparison.OrdinalIgnoreCase)).Skip(1).FirstOrDefault() ?? string.Empty;
        byte[] content = VmCaptures.TryGetValue(vmName, out byte[]? own) ? own : DemoCapture();
        client.GetBlobClient(relative[(container.Length + 1)..]).Upload(new MemoryStream(content), new global::Azure.Storage.Blobs.Models.BlobUploadOptions { HttpHeaders = new() { ContentType = "application/vnd.tcpdump.pcap" } });
    }

    private static Reply Json(int status, JsonObject body) => new(status, body.ToJsonString());

    private static Reply Error(int status, string code, string message) =>
        new(status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString());
}
