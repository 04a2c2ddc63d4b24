using System.Text.Json.Nodes;
using CaptureOrchestrator.Activities.Triage;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Activities.Tests;

/// <summary>The triage activities against a scripted ARM and Log Analytics on HTTPS loopback.</summary>
public sealed class TriageActivityTests : IAsyncLifetime
{
    private const string Sub = "11111111-2222-3333-4444-555555555555";
    private const string VmPath = $"/subscriptions/{Sub}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";
    private const string WatcherPath = $"/subscriptions/{Sub}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope";
    private static readonly PathCheck Check = new(ArmResourceId.Parse(VmPath), "Outbound", "TCP", "10.1.0.4", null, "10.2.0.20", 1433);
    private static readonly TicketKey Ticket = new("servicenow", "INC0030001", null);
    private LoopbackHttpsServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackHttpsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private CaptureServices Services() => TestServices.Create(endpoint: _server.BaseUri, transport: _server.CreateTransport());

    private static readonly WorkflowActivityContext Context = new("test", "op-1", 1);

    [Fact]
    public async Task Path_diagnosis_asks_the_region_s_watcher_for_flow_verify_next_hop_and_connectivity()
    {
        _server.Enqueue(new Reply(200, """{"location":"westeurope","properties":{"storageProfile":{"osDisk":{"osType":"Linux"}}}}"""));
        _server.Enqueue(new Reply(200, """{"value":[{"name":"nw","properties":{"publisher":"Microsoft.Azure.NetworkWatcher","type":"NetworkWatcherAgentLinux"}}]}"""));
        _server.Enqueue(new Reply(200, $$"""{"value":[{"id":"{{WatcherPath}}","location":"westeurope"}]}"""));
        _server.Enqueue(new Reply(200, """{"access":"Deny","ruleName":"DenySqlOutbound"}"""));
        _server.Enqueue(new Reply(200, """{"nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.1.4","routeTableId":"/x/routeTables/rt"}"""));
        _server.Enqueue(new Reply(200, """{"connectionStatus":"Unreachable","hops":[{"type":"Source","issues":[{"origin":"Local","severity":"Error","type":"NetworkSecurityRule"}]}]}"""));

        PathDiagnosis path = await new DiagnosePathActivity(Services()).RunAsync(Context, new PathCheckRequest("tr-1", Ticket, Check), CancellationToken.None);

        Assert.Equal(("Deny", "DenySqlOutbound", "VirtualAppliance", "Unreachable"), (path.Access, path.RuleName, path.NextHopType, path.ConnectionStatus));
        Assert.Equal(["Source NetworkSecurityRule (Error)"], path.HopIssues);
        JsonNode flowVerify = JsonNode.Parse(_server.Requests[3].Body)!;
        Assert.Equal(WatcherPath + "/ipFlowVerify", _server.Requests[3].Path);
        Assert.Equal(("*", "1433", "Outbound"), (flowVerify["localPort"]!.GetValue<string>(), flowVerify["remotePort"]!.GetValue<string>(), flowVerify["direction"]!.GetValue<string>()));
        Assert.Equal(1433, JsonNode.Parse(_server.Requests[5].Body)!["destination"]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task Log_evidence_counts_rows_per_rule_and_a_missing_table_is_a_note_not_a_failure()
    {
        _server.Enqueue(new Reply(200, """{"tables":[{"name":"PrimaryResult","columns":[{"name":"Rule","type":"string"},{"name":"Action","type":"string"}],"rows":[["block-sql","Deny"],["block-sql","Deny"],["allow-web","Allow"]]}]}"""));
        _server.Enqueue(new Reply(400, """{"error":{"code":"BadArgumentError","message":"'NTANetAnalytics' could not be resolved"}}"""));

        LogEvidence logs = await new QueryLogsActivity(Services()).RunAsync(Context,
            new LogQuery("tr-1", Ticket, Check, Guid.Parse("63613592-b6f7-4c3d-a390-22ba13102111"), null, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow), CancellationToken.None);

        Assert.Equal(new RuleHits("block-sql", "Deny", 2), logs.Firewall[0]);
        Assert.Empty(logs.FlowLogDenies);
        Assert.Contains("BadArgumentError", logs.Problem, StringComparison.Ordinal);
        Assert.Contains("AZFWNetworkRule", JsonNode.Parse(_server.Requests[0].Body)!["query"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("NTANetAnalytics", JsonNode.Parse(_server.Requests[1].Body)!["query"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
