using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// The Azure Firewall part of the fake ARM endpoint: GET of the firewall (with or without a management
/// NIC) and packetCaptureOperation (Start / Status / Stop) answered as a long-running operation
/// (202, Azure-AsyncOperation, result at Location), one capture at a time. On Stop every backend
/// instance uploads a file to the SAS URL given at Start: instance 0 saw nothing (an empty file, as
/// the service writes when no packet matched), instance 1 carries the demo scenario (or is empty too).
/// </summary>
public sealed partial class FakeNetworkWatcher
{
    private const string FirewallOperationResults = "/operations/firewall/";
    private readonly ConcurrentDictionary<string, JsonObject> _firewallResults = new(StringComparer.Ordinal);
    private readonly Lock _firewallCapture = new();
    private JsonObject? _firewallStart;

    /// <summary>False: the firewall has no management NIC, so it cannot capture (FACTS.md (d) 1).</summary>
    public bool FirewallHasManagementNic { get; set; } = true;

    /// <summary>True: no packet matches the capture's filter, so every instance writes an empty file.</summary>
    public bool FirewallMatchesNothing { get; set; }

    /// <summary>Whether the firewall is capturing now.</summary>
    public bool FirewallCapturing
    {
        get
        {
            lock (_firewallCapture)
            {
                return _firewallStart is not null;
            }
        }
    }

    /// <summary>Someone else's capture is running on the firewall (started outside the product).</summary>
    public void StartForeignFirewallCapture()
    {
        lock (_firewallCapture)
        {
            _firewallStart = new JsonObject { ["foreign"] = true };
        }
    }

    /// <summary>The Start requests the firewall accepted (their JSON bodies).</summary>
    public ConcurrentQueue<JsonObject> FirewallStarts { get; } = new();

    /// <summary>Every packetCaptureOperation call, by its operation ("Start", "Status", "Stop").</summary>
    public ConcurrentQueue<string> FirewallOperations { get; } = new();

    private Reply FirewallResource()
    {
        var properties = new JsonObject { ["sku"] = new JsonObject { ["name"] = "AZFW_VNet", ["tier"] = "Standard" } };
        if (FirewallHasManagementNic)
        {
            properties["managementIpConfiguration"] = new JsonObject
            {
                ["name"] = "management",
                ["properties"] = new JsonObject { ["subnet"] = new JsonObject { ["id"] = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Network/virtualNetworks/hub/subnets/AzureFirewallManagementSubnet" } },
            };
        }

        return Json(200, new JsonObject { ["id"] = Firewall, ["name"] = "fw1", ["type"] = "Microsoft.Network/azureFirewalls", ["location"] = "westeurope", ["properties"] = properties });
    }

    private Reply FirewallCaptureOperation(RecordedRequest request)
    {
        JsonObject body = JsonNode.Parse(request.Body)!.AsObject();
        string operation = body["operation"]!.GetValue<string>();
        FirewallOperations.Enqueue(operation);
        (string code, string message) = operation switch
        {
            "Start" => StartFirewallCapture(body),
            "Status" => FirewallCapturing ? InProgress : ("AzureFirewallPacketCaptureNotInProgress", "No packet capture is running."),
            "Stop" => StopFirewallCapture(),
            _ => ("NotImplemented", $"operation {operation}"),
        };

        string id = Guid.NewGuid().ToString("N");
        _firewallResults[id] = new JsonObject { ["statusCode"] = code, ["message"] = message };
        return new Reply(202) { Headers = [("Azure-AsyncOperation", "{base}/operations/" + id), ("Location", "{base}" + FirewallOperationResults + id)] };
    }

    private static (string, string) InProgress =>
        ("AzureFirewallPacketCaptureInProgress", "Packet capture in progress. Please wait till it is finished or stop the current capture before starting another.");

    private (string, string) StartFirewallCapture(JsonObject body)
    {
        lock (_firewallCapture)
        {
            if (_firewallStart is not null)
            {
                return InProgress;
            }

            _firewallStart = body;
        }

        FirewallStarts.Enqueue(body);
        return ("AzureFirewallPacketCaptureStartSucceeded", "Packet capture started.");
    }

    private (string, string) StopFirewallCapture()
    {
        JsonObject? started;
        lock (_firewallCapture)
        {
            started = _firewallStart;
            _firewallStart = null;
        }

        if (started is null)
        {
            return ("AzureFirewallPacketCaptureNotInProgress", "No packet capture is running.");
        }

        if (started.ContainsKey("foreign"))
        {
            return ("AzureFirewallPacketCaptureStopSucceeded", "Packet capture stopped; its files went where its owner asked.");
        }

        var sas = new Uri(started["sasUrl"]!.GetValue<string>());
        string fileName = started["fileName"]!.GetValue<string>();
        int[] statuses = [UploadWithSas(sas, $"{fileName}_0.pcap", []), UploadWithSas(sas, $"{fileName}_1.pcap", FirewallMatchesNothing ? [] : DemoCapture())];
        return statuses.All(s => s < 300)
            ? ("AzureFirewallPacketCaptureStopSucceeded", "Packet capture stopped; files uploaded.")
            : ("AzureFirewallPacketCaptureStartFailedToUpload", $"the firewall could not write to the SAS URL: {string.Join(", ", statuses)}");
    }

    private Reply FirewallOperationResult(string path) =>
        _firewallResults.TryRemove(path[FirewallOperationResults.Length..], out JsonObject? result)
            ? Json(200, result)
            : Error(404, "OperationNotFound", path);
}
