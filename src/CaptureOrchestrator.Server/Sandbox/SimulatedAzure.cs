using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Server.Sandbox;

/// <summary>
/// The Azure the sandbox talks to: an in-process HTTP handler that answers the ARM and Log
/// Analytics calls the product makes, in the shapes Azure documents (../shared/azure-rest): Network
/// Watcher capture sessions (201 with Azure-AsyncOperation, queryStatus, stop, delete), VPN gateway
/// and Azure Firewall captures as long-running operations (202 with Location), the lookups around
/// them (VM, scale set, agent extension, regional watcher), triage checks, firewall diagnostic
/// settings and an empty Log Analytics workspace. A stopped capture "uploads" a sample capture: VM
/// and scale-set files into the capture container (as Network Watcher writes them), gateway and
/// firewall files with a plain Put Blob to the SAS URL they were given, so the product's own upload
/// path, BlobCreated routing and analysis run unchanged. No request leaves the process except those
/// uploads, which go to the SAS URL the product handed out (its own local blob store).
/// </summary>
internal sealed class SimulatedAzure : HttpMessageHandler
{
    /// <summary>ARM as the sandbox's clients see it; never resolved (the handler answers before any socket).</summary>
    public static readonly Uri ArmEndpoint = new("https://management.sandbox.invalid");

    /// <summary>Log Analytics, likewise.</summary>
    public static readonly Uri LogAnalyticsEndpoint = new("https://api.loganalytics.sandbox.invalid");

    private const string Region = "westeurope";
    private const string CaptureContainer = "network-watcher-logs";
    // A gateway's answer is a JSON string holding JSON (../shared/azure-rest): {"Status":"Successful","Data":null}, encoded once more.
    private const string VpnSucceeded = "{\"Status\":\"Successful\",\"Data\":null}";

    private readonly Func<BlobStore> _captureStore;
    private readonly HttpClient _uploads;
    private readonly ConcurrentDictionary<string, NetworkWatcherSession> _sessions = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, JsonNode?> _results = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _firewallCaptures = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _gatewayCaptures = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, JsonObject> _diagnosticSettings = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="captureStore">The store Network Watcher writes VM captures into (the server's local blob store, known once it listens).</param>
    /// <param name="uploads">How simulated gateways and firewalls reach the SAS URL they are given.</param>
    public SimulatedAzure(Func<BlobStore> captureStore, HttpClient uploads)
    {
        _captureStore = captureStore;
        _uploads = uploads;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _uploads.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Capture sessions the sandbox is holding (started and not deleted).</summary>
    public int LiveSessions => _sessions.Count + _firewallCaptures.Count + _gatewayCaptures.Count;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string path = request.RequestUri!.AbsolutePath;
        string method = request.Method.Method;
        string text = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonObject? body = text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
        if (request.RequestUri.Host == LogAnalyticsEndpoint.Host)
        {
            return EmptyWorkspace();
        }

        return await RouteAsync(method, path, body, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> RouteAsync(string method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        string[] segments = path.Trim('/').Split('/');
        string last = segments[^1];

        // Long-running operations this simulator started: done by the time anyone asks.
        if (segments is [_, _, "providers", _, "locations", _, "operations" or "operationResults", _])
        {
            return segments[6] == "operations"
                ? Json(200, new JsonObject { ["status"] = "Succeeded" })
                : _results.TryRemove(last, out JsonNode? result) ? (result is null ? new HttpResponseMessage(HttpStatusCode.OK) : Json(200, result)) : Error(404, "OperationNotFound", path);
        }

        if (method == "GET" && path.EndsWith("/providers/Microsoft.Network/networkWatchers", StringComparison.OrdinalIgnoreCase) && segments.Length == 5)
        {
            return Json(200, new JsonObject { ["value"] = new JsonArray(new JsonObject { ["id"] = WatcherId(segments[1]), ["name"] = "NetworkWatcher_" + Region, ["location"] = Region }) });
        }

        if (path.Contains("/providers/Microsoft.Features/providers/Microsoft.Network/features/", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/providers/Microsoft.Network/register", StringComparison.OrdinalIgnoreCase))
        {
            return Json(200, new JsonObject { ["name"] = "Microsoft.Network/" + last, ["properties"] = new JsonObject { ["state"] = "Registered" } });
        }

        int captures = Array.FindIndex(segments, s => s.Equals("packetCaptures", StringComparison.OrdinalIgnoreCase));
        if (captures > 0 && segments[captures - 2].Equals("networkWatchers", StringComparison.OrdinalIgnoreCase))
        {
            return await NetworkWatcherCaptureAsync(method, segments, captures, body, cancellationToken).ConfigureAwait(false);
        }

        int settings = Array.FindIndex(segments, s => s.Equals("diagnosticSettings", StringComparison.OrdinalIgnoreCase));
        if (settings > 0)
        {
            return DiagnosticSetting(method, path, segments, settings, body);
        }

        if (method == "POST" && last is "ipFlowVerify" or "nextHop" or "connectivityCheck")
        {
            return last switch
            {
                "ipFlowVerify" => Json(200, new JsonObject { ["access"] = "Allow", ["ruleName"] = "securityRules/AllowVnetOutBound" }),
                "nextHop" => Json(200, new JsonObject { ["nextHopType"] = "VnetLocal", ["nextHopIpAddress"] = null, ["routeTableId"] = "System Route" }),
                _ => Json(200, new JsonObject { ["connectionStatus"] = "Reachable", ["avgLatencyInMs"] = 1, ["probesSent"] = 10, ["probesFailed"] = 0, ["hops"] = new JsonArray() }),
            };
        }

        if (method == "POST" && last.Equals("startPacketCapture", StringComparison.OrdinalIgnoreCase))
        {
            return StartGatewayCapture(ResourceOf(segments, 1));
        }

        if (method == "POST" && last.Equals("stopPacketCapture", StringComparison.OrdinalIgnoreCase))
        {
            return await StopGatewayCaptureAsync(ResourceOf(segments, 1), body, cancellationToken).ConfigureAwait(false);
        }

        if (method == "POST" && last == "packetCaptureOperation")
        {
            return await FirewallCaptureAsync(ResourceOf(segments, 1), body, cancellationToken).ConfigureAwait(false);
        }

        if (method == "GET" && last == "extensions" && ResourceOf(segments, 1) is { } vm)
        {
            return Json(200, new JsonObject { ["value"] = new JsonArray(AgentExtension(vm)) });
        }

        if (method == "GET" && ArmResourceId.TryParse(path, out ArmResourceId? id, out _))
        {
            return Resource(id);
        }

        return Error(400, "SandboxNotSimulated", $"the sandbox does not simulate {method} {path}");
    }

    /// <summary>A VM, scale set or firewall, as ARM describes the parts the product reads.</summary>
    private static HttpResponseMessage Resource(ArmResourceId id)
    {
        var resource = new JsonObject { ["id"] = id.ToString(), ["name"] = id.Name, ["type"] = id.ResourceType, ["location"] = Region };
        if (id.IsOfType("Microsoft.Compute/virtualMachines"))
        {
            resource["properties"] = new JsonObject { ["storageProfile"] = new JsonObject { ["osDisk"] = new JsonObject { ["osType"] = "Linux" } } };
        }
        else if (id.IsOfType("Microsoft.Compute/virtualMachineScaleSets"))
        {
            resource["properties"] = new JsonObject
            {
                ["upgradePolicy"] = new JsonObject { ["mode"] = "Automatic" },
                ["virtualMachineProfile"] = new JsonObject
                {
                    ["storageProfile"] = new JsonObject { ["osDisk"] = new JsonObject { ["osType"] = "Linux" } },
                    ["extensionProfile"] = new JsonObject { ["extensions"] = new JsonArray(AgentExtension(id)) },
                },
            };
        }
        else if (id.IsOfType("Microsoft.Network/azureFirewalls"))
        {
            resource["properties"] = new JsonObject
            {
                ["sku"] = new JsonObject { ["name"] = "AZFW_VNet", ["tier"] = "Standard" },
                ["managementIpConfiguration"] = new JsonObject
                {
                    ["name"] = "management",
                    ["properties"] = new JsonObject { ["subnet"] = new JsonObject { ["id"] = $"/subscriptions/{id.SubscriptionId}/resourceGroups/{id.ResourceGroupName}/providers/Microsoft.Network/virtualNetworks/hub/subnets/AzureFirewallManagementSubnet" } },
                },
            };
        }
        else
        {
            return Error(404, "ResourceNotFound", $"the sandbox does not simulate resources of type {id.ResourceType}");
        }

        return Json(200, resource);
    }

    private static JsonObject AgentExtension(ArmResourceId on) => new()
    {
        ["id"] = on + "/extensions/AzureNetworkWatcherExtension",
        ["name"] = "AzureNetworkWatcherExtension",
        ["properties"] = new JsonObject { ["publisher"] = "Microsoft.Azure.NetworkWatcher", ["type"] = "NetworkWatcherAgentLinux", ["provisioningState"] = "Succeeded" },
    };

    private async Task<HttpResponseMessage> NetworkWatcherCaptureAsync(string method, string[] segments, int captures, JsonObject? body, CancellationToken cancellationToken)
    {
        string watcher = "/" + string.Join('/', segments[..captures]);
        if (captures == segments.Length - 1)
        {
            return Json(200, new JsonObject { ["value"] = new JsonArray([.. _sessions.Values.Where(s => s.Watcher.Equals(watcher, StringComparison.OrdinalIgnoreCase)).Select(s => s.Resource.DeepClone())]) });
        }

        string name = segments[captures + 1];
        string? action = captures + 2 < segments.Length ? segments[captures + 2] : null;
        _sessions.TryGetValue(name, out NetworkWatcherSession? session);
        switch (method, action)
        {
            case ("PUT", null):
                return CreateSession(watcher, name, body);
            case (_, _) when session is null:
                return Error(404, "ResourceNotFound", $"no packet capture '{name}'");
            case ("GET", null):
                return Json(200, session.Resource);
            case ("POST", "queryStatus"):
                return Json(200, new JsonObject
                {
                    ["name"] = name,
                    ["id"] = session.Resource["id"]!.DeepClone(),
                    ["packetCaptureStatus"] = session.Stopped ? "Stopped" : "Running",
                    ["stopReason"] = session.Stopped ? "Manual" : null,
                    ["packetCaptureError"] = new JsonArray(),
                });
            case ("POST", "stop"):
                if (!session.Stopped)
                {
                    session.Stopped = true;
                    await WriteSessionFilesAsync(session, cancellationToken).ConfigureAwait(false);
                }

                return Accepted(Region, segments[1], result: null);
            case ("DELETE", null):
                _sessions.TryRemove(name, out _);
                return new HttpResponseMessage(HttpStatusCode.OK);
            default:
                return Error(400, "SandboxNotSimulated", $"the sandbox does not simulate {method} on a packet capture's {action}");
        }
    }

    private HttpResponseMessage CreateSession(string watcher, string name, JsonObject? body)
    {
        if (body?["properties"] is not JsonObject requested || requested["target"]?.GetValue<string>() is not { } target || !ArmResourceId.TryParse(target, out ArmResourceId? targetId, out string? why))
        {
            return Error(400, "InvalidRequestFormat", "properties.target must be the ARM id of a VM or scale set");
        }

        if (!TargetKinds.TryClassify(targetId, out TargetKind kind) || !kind.IsNetworkWatcher())
        {
            return Error(400, "InvalidTarget", $"{targetId.ResourceType} cannot be the target of a Network Watcher capture" + (why is null ? "" : ": " + why));
        }

        JsonObject properties = requested.DeepClone().AsObject();
        properties["provisioningState"] = "Succeeded";
        string folder = $"subscriptions/{targetId.SubscriptionId}/resourcegroups/{targetId.ResourceGroupName}/providers/{targetId.ProviderNamespace}/{targetId.ResourceType.Split('/')[^1]}/{targetId.Name}".ToLowerInvariant();
        // A VM's session writes one file; a scale set's, one per instance under a folder of the session's name.
        string blob = kind == TargetKind.ScaleSet ? $"{folder}/{name}" : $"{folder}/{name}.cap";
        properties["storageLocation"] ??= new JsonObject();
        properties["storageLocation"]!["storagePath"] = _captureStore().Container(CaptureContainer).BlobUri(blob).AbsoluteUri;
        var resource = new JsonObject { ["id"] = $"{watcher}/packetCaptures/{name}", ["name"] = name, ["etag"] = "W/\"sandbox\"", ["properties"] = properties };
        string[] instances = properties["scope"]?["include"] is JsonArray { Count: > 0 } include ? [.. include.Select(i => i!.GetValue<string>())] : ["0"];
        _sessions[name] = new NetworkWatcherSession(watcher, resource, kind, blob, instances, NetworkWatcherFilter.From(properties));
        HttpResponseMessage created = Json(201, resource);
        created.Headers.Add("Azure-AsyncOperation", Operation(Region, watcher.Split('/')[2], "operations", result: null).AbsoluteUri);
        return created;
    }

    private async Task WriteSessionFilesAsync(NetworkWatcherSession session, CancellationToken cancellationToken)
    {
        StoreContainer container = _captureStore().Container(CaptureContainer);
        await container.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        byte[] sample = session.Filter.Apply(SampleCaptures.For(session.Kind).Pcap); // what the agent would have kept
        IEnumerable<string> files = session.Kind == TargetKind.ScaleSet ? session.Instances.Select(i => $"{session.Blob}/{i}.cap") : [session.Blob];
        foreach (string file in files)
        {
            await container.UploadAsync(file, new MemoryStream(sample), "application/vnd.tcpdump.pcap", overwrite: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private HttpResponseMessage StartGatewayCapture(ArmResourceId? gateway)
    {
        if (gateway is null)
        {
            return Error(400, "InvalidResourceId", "startPacketCapture needs a gateway or connection id");
        }

        // As the service does: one capture per gateway at a time.
        return _gatewayCaptures.TryAdd(gateway.ToString(), true)
            ? Accepted(Region, gateway.SubscriptionId.ToString(), JsonValue.Create(VpnSucceeded))
            : Error(400, "PacketCaptureAlreadyRunning", $"a packet capture is already running on {gateway.Name}");
    }

    private async Task<HttpResponseMessage> StopGatewayCaptureAsync(ArmResourceId? gateway, JsonObject? body, CancellationToken cancellationToken)
    {
        if (gateway is null || body?["sasUrl"]?.GetValue<string>() is not { } sas || !Uri.TryCreate(sas, UriKind.Absolute, out Uri? sasUrl))
        {
            return Error(400, "InvalidRequestFormat", "stopPacketCapture needs sasUrl, the container SAS URL to upload the capture to");
        }

        if (!_gatewayCaptures.TryRemove(gateway.ToString(), out _))
        {
            return Error(400, "PacketCaptureNotRunning", $"no packet capture is running on {gateway.Name}");
        }

        TargetKinds.TryClassify(gateway, out TargetKind kind);
        HttpStatusCode uploaded = await UploadAsync(sasUrl, $"{gateway.Name}_capture.pcap", SampleCaptures.For(kind).Pcap, cancellationToken).ConfigureAwait(false);
        return (int)uploaded < 300
            ? Accepted(Region, gateway.SubscriptionId.ToString(), JsonValue.Create(VpnSucceeded))
            : Error(400, "UploadFailed", $"the simulated gateway could not write to the SAS URL: {(int)uploaded}");
    }

    private async Task<HttpResponseMessage> FirewallCaptureAsync(ArmResourceId? firewall, JsonObject? body, CancellationToken cancellationToken)
    {
        if (firewall is null || body?["operation"]?.GetValue<string>() is not { } operation)
        {
            return Error(400, "InvalidRequestFormat", "packetCaptureOperation needs operation: Start, Status or Stop");
        }

        string key = firewall.ToString();
        (string code, string message) = operation switch
        {
            "Start" when _firewallCaptures.TryAdd(key, body) => ("AzureFirewallPacketCaptureStartSucceeded", "Packet capture started."),
            "Start" or "Status" when _firewallCaptures.ContainsKey(key) => ("AzureFirewallPacketCaptureInProgress", "Packet capture in progress. Please wait till it is finished or stop the current capture before starting another."),
            "Status" => ("AzureFirewallPacketCaptureNotInProgress", "No packet capture is running."),
            "Stop" when _firewallCaptures.TryRemove(key, out JsonObject? started) => await StopFirewallCaptureAsync(started, cancellationToken).ConfigureAwait(false),
            "Stop" => ("AzureFirewallPacketCaptureNotInProgress", "No packet capture is running."),
            _ => ("InvalidOperation", $"operation '{operation}' is not Start, Status or Stop"),
        };
        return Accepted(Region, firewall.SubscriptionId.ToString(), new JsonObject { ["statusCode"] = code, ["message"] = message }, asyncOperation: true);
    }

    /// <summary>Two firewall instances, as a Standard firewall has: one saw the traffic, the other nothing (an empty file, as the service writes).</summary>
    private async Task<(string, string)> StopFirewallCaptureAsync(JsonObject started, CancellationToken cancellationToken)
    {
        var sas = new Uri(started["sasUrl"]!.GetValue<string>());
        string fileName = started["fileName"]?.GetValue<string>() ?? "capture";
        HttpStatusCode first = await UploadAsync(sas, $"{fileName}_0.pcap", SampleCaptures.For(TargetKind.Firewall).Pcap, cancellationToken).ConfigureAwait(false);
        HttpStatusCode second = await UploadAsync(sas, $"{fileName}_1.pcap", [], cancellationToken).ConfigureAwait(false);
        return (int)first < 300 && (int)second < 300
            ? ("AzureFirewallPacketCaptureStopSucceeded", "Packet capture stopped; files uploaded.")
            : ("AzureFirewallPacketCaptureStartFailedToUpload", $"the simulated firewall could not write to the SAS URL: {(int)first}, {(int)second}");
    }

    private HttpResponseMessage DiagnosticSetting(string method, string path, string[] segments, int settings, JsonObject? body)
    {
        string collection = "/" + string.Join('/', segments[..(settings + 1)]);
        if (settings == segments.Length - 1)
        {
            return Json(200, new JsonObject { ["value"] = new JsonArray([.. _diagnosticSettings.Where(s => s.Key.StartsWith(collection + "/", StringComparison.OrdinalIgnoreCase)).Select(s => s.Value.DeepClone())]) });
        }

        string name = Uri.UnescapeDataString(segments[settings + 1]);
        string key = collection + "/" + name;
        switch (method)
        {
            case "PUT":
                var setting = new JsonObject { ["id"] = key, ["name"] = name, ["properties"] = body?["properties"]?.DeepClone() ?? new JsonObject() };
                _diagnosticSettings[key] = setting;
                return Json(200, setting);
            case "GET":
                return _diagnosticSettings.TryGetValue(key, out JsonObject? found) ? Json(200, found) : Error(404, "ResourceNotFound", path);
            case "DELETE":
                return new HttpResponseMessage(_diagnosticSettings.TryRemove(key, out _) ? HttpStatusCode.OK : HttpStatusCode.NoContent);
            default:
                return Error(405, "MethodNotAllowed", method);
        }
    }

    /// <summary>A Put Blob on a container SAS URL, as gateways and firewalls write their files.</summary>
    private async Task<HttpStatusCode> UploadAsync(Uri containerSas, string blobName, byte[] content, CancellationToken cancellationToken)
    {
        using var upload = new HttpRequestMessage(HttpMethod.Put, $"{containerSas.GetLeftPart(UriPartial.Path)}/{blobName}{containerSas.Query}") { Content = new ByteArrayContent(content) };
        upload.Headers.Add("x-ms-blob-type", "BlockBlob");
        upload.Headers.Add("x-ms-version", "2021-08-06");
        try
        {
            using HttpResponseMessage response = await _uploads.SendAsync(upload, cancellationToken).ConfigureAwait(false);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return HttpStatusCode.ServiceUnavailable;
        }
    }

    /// <summary>An empty workspace: every query answers with no rows.</summary>
    private static HttpResponseMessage EmptyWorkspace() => Json(200, new JsonObject
    {
        ["tables"] = new JsonArray(new JsonObject { ["name"] = "PrimaryResult", ["columns"] = new JsonArray(), ["rows"] = new JsonArray() }),
    });

    /// <summary>202 with the polling headers ARM gives a POST action; the operation is already done.</summary>
    private HttpResponseMessage Accepted(string region, string subscription, JsonNode? result, bool asyncOperation = false)
    {
        var accepted = new HttpResponseMessage(HttpStatusCode.Accepted);
        Uri location = Operation(region, subscription, "operationResults", result);
        accepted.Headers.Location = location;
        if (asyncOperation)
        {
            accepted.Headers.Add("Azure-AsyncOperation", Operation(region, subscription, "operations", result: null).AbsoluteUri);
        }

        accepted.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
        return accepted;
    }

    private Uri Operation(string region, string subscription, string kind, JsonNode? result)
    {
        string id = Guid.NewGuid().ToString("N");
        if (kind == "operationResults")
        {
            _results[id] = result;
        }

        return new Uri(ArmEndpoint, $"/subscriptions/{subscription}/providers/Microsoft.Network/locations/{region}/{kind}/{id}");
    }

    private static ArmResourceId? ResourceOf(string[] segments, int actionSegments) =>
        ArmResourceId.TryParse("/" + string.Join('/', segments[..^actionSegments]), out ArmResourceId? id, out _) ? id : null;

    private static string WatcherId(string subscription) =>
        $"/subscriptions/{subscription}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_{Region}";

    private static HttpResponseMessage Json(int status, JsonNode body) =>
        new((HttpStatusCode)status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Error(int status, string code, string message) =>
        Json(status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = "Sandbox: " + message } });

    private sealed class NetworkWatcherSession(string watcher, JsonObject resource, TargetKind kind, string blob, string[] instances, NetworkWatcherFilter filter)
    {
        public NetworkWatcherFilter Filter { get; } = filter;

        public string Watcher { get; } = watcher;

        public JsonObject Resource { get; } = resource;

        public TargetKind Kind { get; } = kind;

        public string Blob { get; } = blob;

        public string[] Instances { get; } = instances;

        public volatile bool Stopped;
    }
}
