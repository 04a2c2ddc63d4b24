using System.Text.Json.Nodes;
using Azure;
using CaptureOrchestrator.Azure.Compute;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Compute;

/// <summary>The agent is not installed for you over REST: check, then install (FACTS.md (b)3).</summary>
public sealed class NetworkWatcherAgentTests : IAsyncLifetime
{
    private const string VmPath = $"/subscriptions/{RestExample.ZeroSubscription}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachines/vm1";
    private const string ScaleSetPath = $"/subscriptions/{RestExample.ZeroSubscription}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachineScaleSets/vmss1";
    private LoopbackHttpsServer _server = null!;
    private NetworkWatcherAgentClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync();
        _client = new NetworkWatcherAgentClient(ArmTestOptions.Credential, ArmTestOptions.For(_server));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static Reply Vm(string os) => new(200, """{"name":"vm1","location":"westeurope","properties":{"storageProfile":{"osDisk":{"osType":"OS"}}}}""".Replace("OS", os, StringComparison.Ordinal));

    private string[] Calls => _server.Requests.Select(r => $"{r.Method} {r.Path}").ToArray();

    [Theory]
    [InlineData("Linux")]
    [InlineData("Windows")]
    public async Task A_vm_without_the_agent_gets_the_extension_for_its_os(string os)
    {
        _server.Enqueue(Vm(os));
        _server.Enqueue(new Reply(200, """{"value":[{"name":"MDE","properties":{"publisher":"Microsoft.Azure.AzureDefenderForServers","type":"MDE.Linux"}}]}"""));
        _server.Enqueue(new Reply(201, """{"properties":{"provisioningState":"Creating"}}""", ("Azure-AsyncOperation", "{base}/subscriptions/x/providers/Microsoft.Compute/locations/westeurope/operations/op1")));
        _server.Enqueue(new Reply(200, """{"status":"InProgress"}"""));
        _server.Enqueue(new Reply(200, """{"status":"Succeeded"}"""));
        _server.Enqueue(new Reply(200, """{"name":"AzureNetworkWatcherExtension","properties":{"provisioningState":"Succeeded"}}"""));

        AgentInstallation result = await _client.EnsureInstalledAsync(ArmResourceId.Parse(VmPath));

        Assert.False(result.AlreadyInstalled);
        Assert.Equal(os, result.OsType);
        Assert.Equal("westeurope", result.Location);
        Assert.Equal($"PUT {VmPath}/extensions/AzureNetworkWatcherExtension", Calls[2]);
        Assert.Equal("2024-07-01", _server.Requests[2].Query["api-version"]);
        RestExample.AssertSameJson(
            JsonNode.Parse($$$"""{"location":"westeurope","properties":{"publisher":"Microsoft.Azure.NetworkWatcher","type":"NetworkWatcherAgent{{{os}}}","typeHandlerVersion":"1.4","autoUpgradeMinorVersion":true}}"""),
            _server.Requests[2].Body);
        Assert.Equal($"GET {VmPath}/extensions/AzureNetworkWatcherExtension", Calls[^1]);
    }

    [Fact]
    public async Task A_vm_that_has_the_agent_under_any_name_is_left_alone()
    {
        _server.Enqueue(Vm("Linux"));
        _server.Enqueue(new Reply(200, """{"value":[{"name":"nwagent","properties":{"publisher":"Microsoft.Azure.NetworkWatcher","type":"NetworkWatcherAgentLinux","provisioningState":"Succeeded"}}]}"""));

        AgentInstallation result = await _client.EnsureInstalledAsync(ArmResourceId.Parse(VmPath));

        Assert.True(result.AlreadyInstalled);
        Assert.Equal("nwagent", result.ExtensionName);
        Assert.Equal([$"GET {VmPath}", $"GET {VmPath}/extensions"], Calls);
    }

    [Fact]
    public async Task A_scale_set_with_manual_upgrades_gets_the_extension_and_the_instances_upgraded()
    {
        _server.Enqueue(new Reply(200, """{"location":"westeurope","properties":{"upgradePolicy":{"mode":"Manual"},"virtualMachineProfile":{"storageProfile":{"osDisk":{"osType":"Linux"}},"extensionProfile":{"extensions":[]}}}}"""));
        _server.Enqueue(new Reply(200, """{"name":"AzureNetworkWatcherExtension","properties":{"provisioningState":"Succeeded"}}"""));
        _server.Enqueue(new Reply(202, null, ("Location", "{base}/operationResults/u1")));
        _server.Enqueue(new Reply(200));

        AgentInstallation result = await _client.EnsureInstalledAsync(ArmResourceId.Parse(ScaleSetPath), ["0", "3"]);

        Assert.False(result.AlreadyInstalled);
        Assert.Equal([$"GET {ScaleSetPath}", $"PUT {ScaleSetPath}/extensions/AzureNetworkWatcherExtension", $"POST {ScaleSetPath}/manualupgrade", "GET /operationResults/u1"], Calls);
        RestExample.AssertSameJson(JsonNode.Parse("""{"instanceIds":["0","3"]}"""), _server.Requests[2].Body);
    }

    [Fact]
    public async Task A_failed_install_is_a_typed_error_with_the_compute_error_code()
    {
        _server.Enqueue(Vm("Linux"));
        _server.Enqueue(new Reply(200, """{"value":[]}"""));
        _server.Enqueue(new Reply(201, "{}", ("Azure-AsyncOperation", "{base}/operations/op2")));
        _server.Enqueue(new Reply(200, """{"status":"Failed","error":{"code":"VMAgentStatusCommunicationError","message":"VM has reported a failure when processing extension."}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.EnsureInstalledAsync(ArmResourceId.Parse(VmPath)));

        Assert.Equal("VMAgentStatusCommunicationError", error.ErrorCode);
        Assert.Contains("vm1", error.Message, StringComparison.Ordinal);
    }
}
