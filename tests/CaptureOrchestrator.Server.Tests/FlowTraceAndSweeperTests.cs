using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// Flow-trace leases shared by tickets, and the sweeper cleaning up after workflows that died —
/// over the HTTP API against the fake ARM endpoint (firewall diagnostic settings and Network Watcher).
/// </summary>
[Collection(PlainAzuriteCollection.Name)]
public sealed class FlowTraceAndSweeperTests(PlainAzurite azurite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static object Lease(string ticketId, int minutes = 30) => new
    {
        ticket = new { system = "servicenow", id = ticketId },
        firewallId = FakeNetworkWatcher.Firewall,
        workspaceId = FakeNetworkWatcher.Workspace,
        minutes,
    };

    private static async Task<string> AcquireAsync(OrchestratorRig rig, string ticketId)
    {
        HttpResponseMessage response = await rig.SendSignedAsync(HttpMethod.Post, "/api/flowtrace", Lease(ticketId));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["leaseId"]!.GetValue<string>();
    }

    private static async Task Until(Func<bool> condition, string what, Func<Task<string>>? explain = null)
    {
        DateTime giveUp = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < giveUp, "gave up waiting until " + what + (explain is null ? string.Empty : "\n" + await explain()));
            await Task.Delay(100);
        }
    }

    [AzuriteFact]
    public async Task Two_tickets_share_one_lease_flow_trace_goes_on_once_and_off_only_after_the_last_leaves()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);

        string first = await AcquireAsync(rig, "INC0020001");
        string second = await AcquireAsync(rig, "INC0020002");
        Assert.Equal(first, second);
        Assert.True(rig.Arm.FlowTraceOn);

        HttpResponseMessage leave = await rig.SendSignedAsync(HttpMethod.Delete, $"/api/flowtrace/{first}?ticketSystem=servicenow&ticketId=INC0020001");
        Assert.Equal(HttpStatusCode.Accepted, leave.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(7)); // longer than the lease's last call for late requests
        Assert.True(rig.Arm.FlowTraceOn, "the first ticket leaving must not switch flow trace off under the second");
        JsonNode listed = JsonNode.Parse(await (await rig.SendSignedAsync(HttpMethod.Get, "/api/flowtrace")).Content.ReadAsStringAsync())!;
        Assert.Equal(["servicenow:INC0020002"], listed["leases"]![0]!["holders"]!.AsArray().Select(h => h!["holder"]!.GetValue<string>()));

        await rig.SendSignedAsync(HttpMethod.Delete, $"/api/flowtrace/{first}?ticketSystem=servicenow&ticketId=INC0020002");
        await Until(() => !rig.Arm.FlowTraceOn, "flow trace is off");

        Assert.Single(rig.Arm.FirewallSettingWrites); // switched on once, never twice
        await Until(() => rig.TeamsCards.Count(c => c.Contains("flow trace is OFF", StringComparison.Ordinal)) == 1, "the OFF card arrives");
        Assert.Single(rig.TeamsCards, c => c.Contains("flow trace is ON", StringComparison.Ordinal));
    }

    [AzuriteFact]
    public async Task The_sweeper_switches_off_flow_trace_and_deletes_a_capture_session_whose_workflows_died()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        string leaseId = await AcquireAsync(rig, "INC0020003");
        HttpResponseMessage started = await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", new
        {
            ticket = new { system = "servicenow", id = "INC0020004" },
            targets = new[] { new { resourceId = FakeNetworkWatcher.Vm } },
            durationSeconds = 600,
        });
        string operationId = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!.GetValue<string>();
        await Until(() => rig.Arm.LiveSessions.Any(), "the capture session exists");

        // Both workflows die with their logging on (an operator's terminate stands in for a crash that loses them).
        await rig.Workflows.TerminateInstanceAsync(leaseId);
        await rig.Workflows.TerminateInstanceAsync(operationId);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(rig.Arm.FlowTraceOn);
        Assert.NotEmpty(rig.Arm.LiveSessions);

        rig.Settings["CaptureOrchestrator:Sweeper:IntervalMinutes"] = "60"; // the first sweep runs at start
        await rig.RestartAsync();
        await Until(() => !rig.Arm.FlowTraceOn && !rig.Arm.LiveSessions.Any(), "the sweeper switched both off", () => ExplainAsync(rig));

        WorkflowMetadata sweep = await SweepAsync(rig);
        SweepOutcome outcome = JsonSerializer.Deserialize<SweepOutcome>(sweep.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.Equal([ExpensiveLoggingKinds.FlowTrace, ExpensiveLoggingKinds.PacketCapture], outcome.TurnedOff.Select(t => t.Item.Kind).Order());
        Assert.Empty(outcome.Failed);
        Assert.All(outcome.TurnedOff, t => Assert.Contains("no longer running", t.Why, StringComparison.Ordinal));
        await Until(() => rig.TeamsCards.Any(c => c.Contains("Sweeper switched off expensive logging", StringComparison.Ordinal)), "the sweep card arrives");

        // A second sweep finds the flow trace already off and says nothing.
        int cards = rig.TeamsCards.Count;
        await rig.Workflows.ScheduleNewWorkflowInstanceAsync(ExpensiveLoggingSweeperWorkflow.Name, new SweeperSettings(), new StartWorkflowOptions("sweep-again"));
        WorkflowMetadata again = await rig.Workflows.WaitForInstanceCompletionAsync("sweep-again", getInputsAndOutputs: true);
        SweepOutcome quiet = JsonSerializer.Deserialize<SweepOutcome>(again.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.Empty(quiet.TurnedOff);
        Assert.Equal(1, quiet.AlreadyOff);
        Assert.Equal(cards, rig.TeamsCards.Count);
    }

    [Fact]
    public async Task A_gateway_capture_whose_stop_failed_is_stopped_by_the_next_sweep_although_its_operation_completed()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(storage: null); // the local store over HTTPS: gateways upload only to https
        rig.Arm.RefuseNextGatewayStops(1); // a permanent failure: the operation ends, the gateway goes on capturing

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0020010", targets: FakeNetworkWatcher.VpnGateway));
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        Assert.Equal("Completed", status["runtimeStatus"]!.GetValue<string>());
        JsonNode target = status["result"]!["targets"]![0]!;
        Assert.Equal("Failed", target["state"]!.GetValue<string>());
        Assert.StartsWith("could not stop", target["problem"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(target["leftRunning"]!.GetValue<bool>());
        Assert.True(rig.Arm.GatewayCapturing);

        await rig.Workflows.ScheduleNewWorkflowInstanceAsync(ExpensiveLoggingSweeperWorkflow.Name, new SweeperSettings(), new StartWorkflowOptions("sweep-now"));
        WorkflowMetadata sweep = await rig.Workflows.WaitForInstanceCompletionAsync("sweep-now", getInputsAndOutputs: true);

        SweepOutcome outcome = JsonSerializer.Deserialize<SweepOutcome>(sweep.SerializedOutput!, WorkflowSerializer.Options)!;
        SweptItem swept = Assert.Single(outcome.TurnedOff);
        Assert.Equal((ExpensiveLoggingKinds.GatewayCapture, FakeNetworkWatcher.VpnGateway), (swept.Item.Kind, swept.Item.ResourceId));
        Assert.False(rig.Arm.GatewayCapturing);
    }

    private static async Task<string> ExplainAsync(OrchestratorRig rig)
    {
        var lines = new List<string>();
        await foreach (WorkflowMetadata instance in rig.Workflows.GetAllInstancesAsync())
        {
            WorkflowMetadata full = (await rig.Workflows.GetInstanceAsync(instance.InstanceId, getInputsAndOutputs: true))!;
            lines.Add($"{full.InstanceId} {full.RuntimeStatus} status={full.SerializedCustomStatus} output={full.SerializedOutput} failure={full.FailureDetails?.ErrorMessage}");
        }

        lines.AddRange(rig.Arm.Server.Requests.TakeLast(20).Select(r => $"ARM {r.Method} {r.Path}"));
        return string.Join("\n", lines);
    }

    private static async Task<WorkflowMetadata> SweepAsync(OrchestratorRig rig)
    {
        DateTime giveUp = DateTime.UtcNow + Patience;
        while (true)
        {
            await foreach (WorkflowMetadata instance in rig.Workflows.GetAllInstancesAsync(new WorkflowQuery(InstanceIdPrefix: ExpensiveLoggingSweeperWorkflow.InstanceIdPrefix)))
            {
                if (!instance.IsRunning)
                {
                    return (await rig.Workflows.GetInstanceAsync(instance.InstanceId, getInputsAndOutputs: true))!;
                }
            }

            Assert.True(DateTime.UtcNow < giveUp, "no sweep finished");
            await Task.Delay(100);
        }
    }
}
