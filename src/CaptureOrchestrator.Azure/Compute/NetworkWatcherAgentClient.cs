using System.Text.Json;
using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Compute;

/// <summary>
/// The Network Watcher agent VM extension that packet capture needs. The portal installs it for
/// you; the REST API does not, so this checks for it and installs it on VMs and scale sets.
/// </summary>
public class NetworkWatcherAgentClient
{
    public const string Publisher = "Microsoft.Azure.NetworkWatcher";
    public const string ExtensionName = "AzureNetworkWatcherExtension";
    public const string TypeHandlerVersion = "1.4";
    private const string ApiVersion = ArmApiVersions.Compute;
    private readonly ArmPipeline _pipeline;
    private readonly ArmOperationPoller _operations;

    public NetworkWatcherAgentClient(TokenCredential credential, ArmClientOptions? options = null)
        : this(new ArmPipeline(credential, options))
    {
    }

    internal NetworkWatcherAgentClient(ArmPipeline pipeline)
    {
        _pipeline = pipeline;
        _operations = new ArmOperationPoller(pipeline);
    }

    /// <summary>For mocking.</summary>
    protected NetworkWatcherAgentClient()
    {
        _pipeline = null!;
        _operations = null!;
    }

    /// <summary>
    /// Makes sure the agent is on the VM or scale set. For a scale set with a manual upgrade
    /// policy, <paramref name="scaleSetInstanceIds"/> are upgraded so the agent reaches them.
    /// </summary>
    public virtual async Task<AgentInstallation> EnsureInstalledAsync(
        ArmResourceId target, IReadOnlyList<string>? scaleSetInstanceIds = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsOfType("Microsoft.Compute/virtualMachines"))
        {
            return await EnsureOnVirtualMachineAsync(target, cancellationToken).ConfigureAwait(false);
        }

        if (target.IsOfType("Microsoft.Compute/virtualMachineScaleSets"))
        {
            return await EnsureOnScaleSetAsync(target, scaleSetInstanceIds ?? [], cancellationToken).ConfigureAwait(false);
        }

        throw new ArgumentException($"{target.ResourceType} cannot run the Network Watcher agent; expected a virtual machine or scale set.", nameof(target));
    }

    private async Task<AgentInstallation> EnsureOnVirtualMachineAsync(ArmResourceId vm, CancellationToken cancellationToken)
    {
        string operation = "Read virtual machine " + vm.Name;
        JsonElement machine = ArmPipeline.Read<JsonElement>(await _pipeline.SendAsync(RequestMethod.Get, vm.ToUrlPath(), ApiVersion, null, cancellationToken).ConfigureAwait(false), operation);
        string os = OsType(machine, ["properties", "storageProfile", "osDisk", "osType"], vm);
        string location = LocationOf(machine);
        JsonElement list = ArmPipeline.Read<JsonElement>(await _pipeline.SendAsync(RequestMethod.Get, vm.ToUrlPath() + "/extensions", ApiVersion, null, cancellationToken).ConfigureAwait(false), "List extensions of " + vm.Name);
        if (FindAgent(list.TryGetProperty("value", out JsonElement value) ? value : default) is { } existing)
        {
            return new AgentInstallation(vm, existing, os, location, AlreadyInstalled: true);
        }

        var body = new { location, properties = AgentProperties(os) };
        await _operations.SendAsync(RequestMethod.Put, vm.ToUrlPath() + "/extensions/" + ExtensionName, ApiVersion, body, FinalStateVia.OriginalUri,
            $"Install the Network Watcher agent on {vm.Name}", cancellationToken).ConfigureAwait(false);
        return new AgentInstallation(vm, ExtensionName, os, location, AlreadyInstalled: false);
    }

    private async Task<AgentInstallation> EnsureOnScaleSetAsync(ArmResourceId scaleSet, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        string operation = "Read scale set " + scaleSet.Name;
        JsonElement set = ArmPipeline.Read<JsonElement>(await _pipeline.SendAsync(RequestMethod.Get, scaleSet.ToUrlPath(), ApiVersion, null, cancellationToken).ConfigureAwait(false), operation);
        string os = OsType(set, ["properties", "virtualMachineProfile", "storageProfile", "osDisk", "osType"], scaleSet);
        string location = LocationOf(set);
        JsonElement extensions = Walk(set, ["properties", "virtualMachineProfile", "extensionProfile", "extensions"]);
        if (FindAgent(extensions) is { } existing)
        {
            return new AgentInstallation(scaleSet, existing, os, location, AlreadyInstalled: true);
        }

        await _operations.SendAsync(RequestMethod.Put, scaleSet.ToUrlPath() + "/extensions/" + ExtensionName, ApiVersion, new { properties = AgentProperties(os) }, FinalStateVia.OriginalUri,
            $"Install the Network Watcher agent on scale set {scaleSet.Name}", cancellationToken).ConfigureAwait(false);

        // With a manual upgrade policy the model changes but the instances do not, until upgraded.
        string? mode = Walk(set, ["properties", "upgradePolicy", "mode"]) is { ValueKind: JsonValueKind.String } m ? m.GetString() : null;
        if (string.Equals(mode, "Manual", StringComparison.OrdinalIgnoreCase) && instanceIds.Count > 0)
        {
            await _operations.SendAsync(RequestMethod.Post, scaleSet.ToUrlPath() + "/manualupgrade", ApiVersion, new { instanceIds }, FinalStateVia.Location,
                $"Upgrade instances of {scaleSet.Name} to the agent", cancellationToken).ConfigureAwait(false);
        }

        return new AgentInstallation(scaleSet, ExtensionName, os, location, AlreadyInstalled: false);
    }

    private static object AgentProperties(string os) => new
    {
        publisher = Publisher,
        type = "NetworkWatcherAgent" + os,
        typeHandlerVersion = TypeHandlerVersion,
        autoUpgradeMinorVersion = true,
    };

    /// <summary>The name of an installed agent extension (whatever it was called), or null.</summary>
    private static string? FindAgent(JsonElement extensions)
    {
        if (extensions.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (JsonElement extension in extensions.EnumerateArray())
        {
            JsonElement properties = Walk(extension, ["properties"]);
            string? publisher = Walk(properties, ["publisher"]) is { ValueKind: JsonValueKind.String } p ? p.GetString() : null;
            string? type = Walk(properties, ["type"]) is { ValueKind: JsonValueKind.String } t ? t.GetString() : null;
            string? state = Walk(properties, ["provisioningState"]) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
            if (string.Equals(publisher, Publisher, StringComparison.OrdinalIgnoreCase)
                && type?.StartsWith("NetworkWatcherAgent", StringComparison.OrdinalIgnoreCase) == true
                && !string.Equals(state, "Failed", StringComparison.OrdinalIgnoreCase))
            {
                return Walk(extension, ["name"]).GetString() ?? ExtensionName;
            }
        }

        return null;
    }

    private static string OsType(JsonElement resource, string[] path, ArmResourceId id) =>
        Walk(resource, path) is { ValueKind: JsonValueKind.String } os && os.GetString() is "Linux" or "Windows"
            ? os.GetString()!
            : throw new RequestFailedException(200, $"{id.Name}: the OS type (Linux or Windows) is not in ARM's answer, so the agent type cannot be chosen.", "UnknownOsType", null);

    private static string LocationOf(JsonElement resource) =>
        Walk(resource, ["location"]) is { ValueKind: JsonValueKind.String } location ? location.GetString()! : string.Empty;

    private static JsonElement Walk(JsonElement element, string[] path)
    {
        foreach (string name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return default;
            }
        }

        return element;
    }
}

/// <summary>Where the agent is (and the target's region), under which extension name, and whether this call installed it.</summary>
public sealed record AgentInstallation(ArmResourceId Target, string ExtensionName, string OsType, string Location, bool AlreadyInstalled);
