using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Network;

/// <summary>
/// The flow-trace switch against a scripted ARM: feature registration, the diagnostic setting
/// read-modify-write, idempotence, and undoing exactly what was changed.
/// </summary>
public sealed class FirewallFlowTraceTests : IAsyncLifetime
{
    private const string Sub = RestExample.ZeroSubscription;
    private const string FirewallPath = $"/subscriptions/{Sub}/resourceGroups/net/providers/Microsoft.Network/azureFirewalls/fw1";
    private const string FeaturePath = $"/subscriptions/{Sub}/providers/Microsoft.Features/providers/Microsoft.Network/features/AFWEnableTcpConnectionLogging";
    private const string SettingsPath = FirewallPath + "/providers/Microsoft.Insights/diagnosticSettings";
    private static readonly ArmResourceId Firewall = ArmResourceId.Parse(FirewallPath);
    private static readonly ArmResourceId Workspace = ArmResourceId.Parse($"/subscriptions/{Sub}/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/law1");
    private LoopbackHttpsServer _server = null!;
    private FirewallFlowTraceClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync();
        _client = new FirewallFlowTraceClient(ArmTestOptions.Credential, ArmTestOptions.For(_server));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static Reply Feature(string state) => new(200, $$$"""{"name":"Microsoft.Network/AFWEnableTcpConnectionLogging","properties":{"state":"{{{state}}}"}}""");

    private static Reply Settings(params JsonObject[] settings) => new(200, new JsonObject { ["value"] = new JsonArray(settings) }.ToJsonString());

    private static JsonObject Setting(string name, JsonObject properties) => new() { ["name"] = name, ["properties"] = properties };

    private string[] Calls => _server.Requests.Select(r => $"{r.Method} {r.Path}").ToArray();

    [Fact]
    public async Task Enable_registers_the_feature_waits_for_it_then_creates_a_resource_specific_setting()
    {
        _server.Enqueue(Feature("NotRegistered"));
        _server.Enqueue(Feature("Registering"));
        _server.Enqueue(Feature("Registering"));
        _server.Enqueue(Feature("Registered"));
        _server.Enqueue(new Reply(200, """{"namespace":"Microsoft.Network","registrationState":"Registering"}"""));
        _server.Enqueue(Settings());
        _server.Enqueue(request => new Reply(200, """{"name":"captureorchestrator-flowtrace","properties":""" + JsonNode.Parse(request.Body)!["properties"]!.ToJsonString() + "}"));

        FlowTraceChange change = await _client.EnableAsync(Firewall, Workspace);

        Assert.Equal(
            [$"GET {FeaturePath}", $"POST {FeaturePath}/register", $"GET {FeaturePath}", $"GET {FeaturePath}",
             $"POST /subscriptions/{Sub}/providers/Microsoft.Network/register", $"GET {SettingsPath}", $"PUT {SettingsPath}/captureorchestrator-flowtrace"],
            Calls);
        Assert.Equal("2021-07-01", _server.Requests[0].Query["api-version"]);
        Assert.Equal("2021-05-01-preview", _server.Requests[^1].Query["api-version"]);
        RestExample.AssertSameJson(
            JsonNode.Parse($$$"""{"properties":{"workspaceId":"{{{Workspace}}}","logAnalyticsDestinationType":"Dedicated","logs":[{"category":"AZFWFlowTrace","enabled":true}]}}"""),
            _server.Requests[^1].Body);
        Assert.Equal(new FlowTraceChange(Firewall, "captureorchestrator-flowtrace", CreatedSetting: true, EnabledCategory: true, RegisteredFeature: true), change);
    }

    [RestExamplesFact]
    public async Task Enable_extends_the_setting_that_already_sends_to_the_workspace_and_keeps_everything_else_in_it()
    {
        // The official example setting (storage, event hub, partner, metrics, retention), sending to our workspace.
        JsonObject existing = RestExample.Load("2021-05-01-preview__createOrUpdateDiagnosticSettingCategory.json").RequestBody!["properties"]!.DeepClone().AsObject();
        existing["workspaceId"] = Workspace.ToString();
        _server.Enqueue(Feature("Registered"));
        _server.Enqueue(Settings(Setting("mysetting", existing)));
        _server.Enqueue(request => new Reply(200, request.Body));

        FlowTraceChange change = await _client.EnableAsync(Firewall, Workspace);

        Assert.Equal([$"GET {FeaturePath}", $"GET {SettingsPath}", $"PUT {SettingsPath}/mysetting"], Calls);
        JsonObject expected = (JsonObject)existing.DeepClone();
        expected["logs"]!.AsArray().Add(new JsonObject { ["category"] = "AZFWFlowTrace", ["enabled"] = true });
        RestExample.AssertSameJson(new JsonObject { ["properties"] = expected }, _server.Requests[^1].Body);
        Assert.Equal(new FlowTraceChange(Firewall, "mysetting", CreatedSetting: false, EnabledCategory: true, RegisteredFeature: false), change);
    }

    [RestExamplesFact]
    public async Task Enable_when_a_setting_already_collects_all_logs_changes_nothing_and_disable_leaves_it_on()
    {
        JsonObject allLogs = RestExample.Load("2021-05-01-preview__getDiagnosticSetting.json").ResponseBody(200)!["properties"]!.DeepClone().AsObject();
        _server.Enqueue(Feature("Registered"));
        _server.Enqueue(Settings(Setting("customer-setting", allLogs)));

        FlowTraceChange change = await _client.EnableAsync(Firewall, Workspace);
        await _client.DisableAsync(change);

        Assert.Equal([$"GET {FeaturePath}", $"GET {SettingsPath}"], Calls); // no PUT, no DELETE
        Assert.False(change.CreatedSetting);
        Assert.False(change.EnabledCategory);
    }

    [Fact]
    public async Task Disable_deletes_the_setting_it_created_and_repeating_it_is_harmless()
    {
        var change = new FlowTraceChange(Firewall, "captureorchestrator-flowtrace", CreatedSetting: true, EnabledCategory: true, RegisteredFeature: true);
        _server.Enqueue(new Reply(200));
        _server.Enqueue(new Reply(404, """{"error":{"code":"ResourceNotFound","message":"not found"}}"""));

        await _client.DisableAsync(change);
        await _client.DisableAsync(change);

        Assert.Equal([$"DELETE {SettingsPath}/captureorchestrator-flowtrace", $"DELETE {SettingsPath}/captureorchestrator-flowtrace"], Calls);
    }

    [Fact]
    public async Task Disable_of_an_extended_setting_reads_it_again_and_switches_only_the_category_off()
    {
        var change = new FlowTraceChange(Firewall, "ops", CreatedSetting: false, EnabledCategory: true, RegisteredFeature: false);
        JsonObject current = JsonNode.Parse($$"""
            {"workspaceId":"{{Workspace}}","logAnalyticsDestinationType":"Dedicated",
             "logs":[{"category":"AZFWNetworkRule","enabled":true},{"category":"AZFWFlowTrace","enabled":true}],
             "metrics":[{"category":"AllMetrics","enabled":true}]}
            """)!.AsObject();
        _server.Enqueue(new Reply(200, Setting("ops", current).ToJsonString()));
        _server.Enqueue(request => new Reply(200, request.Body));

        await _client.DisableAsync(change);

        Assert.Equal([$"GET {SettingsPath}/ops", $"PUT {SettingsPath}/ops"], Calls);
        JsonNode sent = JsonNode.Parse(_server.Requests[1].Body)!["properties"]!;
        Assert.Equal("""[{"category":"AZFWNetworkRule","enabled":true},{"category":"AZFWFlowTrace","enabled":false}]""", sent["logs"]!.ToJsonString());
        Assert.Equal("""[{"category":"AllMetrics","enabled":true}]""", sent["metrics"]!.ToJsonString());
    }

    [Fact]
    public async Task Disable_when_someone_already_switched_it_off_writes_nothing()
    {
        var change = new FlowTraceChange(Firewall, "ops", CreatedSetting: false, EnabledCategory: true, RegisteredFeature: false);
        _server.Enqueue(new Reply(200, Setting("ops", JsonNode.Parse("""{"logs":[{"category":"AZFWFlowTrace","enabled":false}]}""")!.AsObject()).ToJsonString()));

        await _client.DisableAsync(change);

        Assert.Equal([$"GET {SettingsPath}/ops"], Calls);
    }

    [Fact]
    public async Task A_feature_registration_that_never_settles_times_out_without_touching_the_firewall()
    {
        var client = new FirewallFlowTraceClient(ArmTestOptions.Credential, ArmTestOptions.For(_server)) { FeatureRegistrationTimeout = TimeSpan.FromMilliseconds(200) };
        _server.Enqueue(Feature("NotRegistered"));
        _server.Enqueue(Feature("Registering"));
        for (int i = 0; i < 200; i++)
        {
            _server.Enqueue(Feature("Registering"));
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.EnableAsync(Firewall, Workspace));

        Assert.Contains("AFWEnableTcpConnectionLogging", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Requests, r => r.Path.Contains("diagnosticSettings", StringComparison.Ordinal));
    }

    [Fact]
    public void A_change_survives_a_round_trip_through_json_so_a_workflow_can_hold_it_until_expiry()
    {
        var change = new FlowTraceChange(Firewall, "ops", CreatedSetting: false, EnabledCategory: true, RegisteredFeature: true);

        FlowTraceChange? back = JsonSerializer.Deserialize<FlowTraceChange>(JsonSerializer.Serialize(change));

        Assert.Equal(change, back);
    }

    [Fact]
    public async Task State_reports_the_feature_and_which_settings_collect_flow_trace()
    {
        _server.Enqueue(Feature("Registered"));
        _server.Enqueue(Settings(
            Setting("a", JsonNode.Parse("""{"logs":[{"category":"AZFWNetworkRule","enabled":true}]}""")!.AsObject()),
            Setting("b", JsonNode.Parse("""{"logs":[{"category":"AZFWFlowTrace","enabled":true}]}""")!.AsObject())));

        FlowTraceState state = await _client.GetStateAsync(Firewall);

        Assert.True(state.IsOn);
        Assert.Equal(["b"], state.CollectingSettings);
    }
}
