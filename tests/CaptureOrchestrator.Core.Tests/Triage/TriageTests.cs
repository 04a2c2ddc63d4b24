using System.Text.Json;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Testing;

namespace CaptureOrchestrator.Core.Tests.Triage;

public sealed class TriageTests
{
    private static readonly ArmResourceId Vm = ArmResourceId.Parse("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1");
    private static readonly PathCheck Check = new(Vm, "Outbound", "TCP", "10.1.0.4", null, "10.2.0.20", 1433);

    private static PathDiagnosis Path(string access = "Allow", string? rule = "AllowVnetOutBound", string hop = "VnetLocal", string? hopIp = null, string status = "Reachable", params string[] issues) =>
        new(access, rule, hop, hopIp, "System Route", status, issues);

    private static LogEvidence Logs(RuleHits[]? firewall = null, RuleHits[]? flowLogs = null) => new(firewall ?? [], flowLogs ?? [], null);

    [Fact]
    public void An_nsg_deny_leads_the_verdict_with_the_rule_and_the_flow()
    {
        IReadOnlyList<string> verdict = TriageVerdict.Join(Check, Path("Deny", "DenySqlOutbound"), Logs(), null);

        Assert.Equal("NSG rule DenySqlOutbound denies outbound TCP 10.1.0.4 ↔ 10.2.0.20:1433.", verdict[0]);
    }

    [Fact]
    public void A_firewall_next_hop_is_joined_with_the_firewall_log_deny()
    {
        IReadOnlyList<string> verdict = TriageVerdict.Join(Check, Path(hop: "VirtualAppliance", hopIp: "10.0.1.4"), Logs([new RuleHits("block-sql", "Deny", 12)]), null);

        Assert.Equal("Next hop is the firewall (10.0.1.4) and the firewall log shows Deny by rule block-sql (12 rows).", verdict[0]);
    }

    [Fact]
    public void No_route_and_flow_log_denials_are_said_plainly()
    {
        IReadOnlyList<string> verdict = TriageVerdict.Join(Check, Path(hop: "None"), Logs(flowLogs: [new RuleHits("UserRule_deny-db", "D", 4)]), null);

        Assert.Contains("There is no route for 10.2.0.20: next hop None.", verdict);
        Assert.Contains("The VNet flow log shows the flow denied by UserRule_deny-db (4 rows).", verdict);
    }

    [Fact]
    public void Unanswered_syns_with_an_allowing_nsg_point_past_the_vm()
    {
        var capture = new CaptureOutcome("op-1", CaptureStatus.Succeeded,
            [new TargetOutcome(0, Vm.ToString(), TargetKind.VirtualMachine, TargetState.Analyzed, new TargetAnalysis("SYNs get no reply", [new FindingSummary("TCP_SYN_UNANSWERED", FindingSeverity.Error, "no reply")], 10, 1, "r"), null, [])],
            null, [], []);

        IReadOnlyList<string> verdict = TriageVerdict.Join(Check, Path(), Logs(), capture);

        Assert.StartsWith("Packets leave the VM but no reply comes back", verdict[0], StringComparison.Ordinal);
        Assert.Equal("Capture on vm1: SYNs get no reply", verdict[1]);
    }

    private static T Read<T>(JsonElement input) => input.Deserialize<T>(WorkflowSerializer.Options)!;

    private static Dictionary<string, Func<JsonElement, object?>> Script(bool pathFails = false) => new()
    {
        [CaptureActivities.PrepareTarget] = i => new PreparedTarget(Read<PrepareTargetInput>(i).Target, "nw", []),
        [CaptureActivities.StartCapture] = i => new CaptureSession("op-1", Read<StartCaptureInput>(i).Ticket, Read<StartCaptureInput>(i).Prepared.Target, "s", "https://st/c/x.cap", 1, DateTime.UnixEpoch),
        [CaptureActivities.StopCapture] = _ => null,
        [CaptureActivities.FindCaptureFiles] = _ => new[] { new CaptureFile("https://st/c/x.cap", 100) },
        [CaptureActivities.AnalyzeCapture] = _ => new TargetAnalysis("Connections to 10.2.0.20:1433 get no reply", [new FindingSummary("TCP_SYN_UNANSWERED", FindingSeverity.Error, "no reply")], 10, 1, "r"),
        [CaptureActivities.CleanupCapture] = _ => null,
        [CaptureActivities.PublishReport] = _ => new ReportLinks("j", "m", []),
        [CaptureActivities.Notify] = i => new DeliveryResult(Read<NotificationInput>(i).Channel, true, 1, null),
        [TriageActivities.DiagnosePath] = _ => pathFails ? throw new PermanentFailureException("AuthorizationFailed on ipFlowVerify") : Path(hop: "VirtualAppliance", hopIp: "10.0.1.4"),
        [TriageActivities.QueryLogs] = i =>
        {
            LogQuery query = Read<LogQuery>(i);
            Assert.True(query.ToUtc - query.FromUtc >= TimeSpan.FromSeconds(120), "the logs are read for the whole capture window");
            return Logs([new RuleHits("block-sql", "Deny", 3)]);
        },
    };

    private static TriageOperation Operation() => new(
        new CaptureOperation
        {
            OperationId = "op-1",
            Ticket = new TicketKey("jira", "OPS-1", null),
            Targets = [new CaptureTarget(0, Vm, TargetKind.VirtualMachine, [], [])],
            Filter = new TrafficFilter("10.1.0.4", "10.2.0.20", null, 1433, "TCP"),
            DurationSeconds = 120,
            MaxBytesPerTarget = 1 << 30,
            NotificationChannels = [NotificationChannel.Teams],
        },
        Check,
        Guid.Parse("63613592-b6f7-4c3d-a390-22ba13102111"),
        null);

    private static Task<HarnessRun> Run(Dictionary<string, Func<JsonElement, object?>> script) =>
        WorkflowReplayHarness.RunAndVerify(TriageWorkflow.Name, () => new TriageWorkflow(), Operation(), script,
            subWorkflows: new Dictionary<string, Func<IWorkflow>> { [PacketCaptureWorkflow.Name] = () => new PacketCaptureWorkflow() });

    [Fact]
    public async Task Triage_checks_the_path_while_capturing_then_reads_the_logs_and_joins_one_verdict()
    {
        HarnessRun run = await Run(Script());

        TriageOutcome outcome = JsonSerializer.Deserialize<TriageOutcome>(run.Instance.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.Equal("Next hop is the firewall (10.0.1.4) and the firewall log shows Deny by rule block-sql (3 rows).", outcome.Verdict[0]);
        Assert.Contains("Capture on vm1: Connections to 10.2.0.20:1433 get no reply", outcome.Verdict);
        Assert.Equal(CaptureStatus.Succeeded, outcome.Capture!.Status);
        Assert.Empty(outcome.Problems);
        string[] order = run.ActivityCalls.Select(c => c.Activity).ToArray();
        Assert.True(Array.IndexOf(order, TriageActivities.DiagnosePath) < Array.IndexOf(order, CaptureActivities.StopCapture), "path checks run while the capture runs");
        Assert.Equal(TriageActivities.QueryLogs, order.Last(a => a is TriageActivities.QueryLogs or CaptureActivities.CleanupCapture));
    }

    [Fact]
    public async Task A_path_check_that_fails_is_reported_and_the_rest_still_gives_a_verdict()
    {
        HarnessRun run = await Run(Script(pathFails: true));

        TriageOutcome outcome = JsonSerializer.Deserialize<TriageOutcome>(run.Instance.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.Null(outcome.Path);
        Assert.Contains(outcome.Problems, p => p.Contains("AuthorizationFailed on ipFlowVerify", StringComparison.Ordinal));
        Assert.Equal("The firewall log shows Deny by rule block-sql (3 rows).", outcome.Verdict[0]);
    }
}
