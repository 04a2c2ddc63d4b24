using System.Text.Json;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Testing;

namespace CaptureOrchestrator.Core.Tests.Capture;

/// <summary>
/// The capture runbook on the embedded engine's replay harness: scripted activities, harness time,
/// and a replay of every recorded history to prove the workflow is deterministic.
/// </summary>
public sealed class PacketCaptureWorkflowTests
{
    private const string Sub = "/subscriptions/11111111-2222-3333-4444-555555555555";
    private static readonly ArmResourceId Vm = ArmResourceId.Parse(Sub + "/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1");
    private static readonly ArmResourceId Gateway = ArmResourceId.Parse(Sub + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworkGateways/vpngw");
    private static readonly ArmResourceId Firewall = ArmResourceId.Parse(Sub + "/resourceGroups/net/providers/Microsoft.Network/azureFirewalls/fw1");
    private static readonly ArmResourceId Workspace = ArmResourceId.Parse(Sub + "/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/law1");

    private static CaptureOperation Operation(params CaptureTarget[] targets) => new()
    {
        OperationId = "op-1",
        Ticket = new TicketKey("servicenow", "INC0012345", null),
        Targets = targets.Length > 0 ? targets : [new CaptureTarget(0, Vm, TargetKind.VirtualMachine, [], [])],
        Filter = new TrafficFilter("10.0.0.4", null, null, 1433, "TCP"),
        DurationSeconds = 300,
        MaxBytesPerTarget = 1 << 30,
        NotificationChannels = [NotificationChannel.Teams, NotificationChannel.Ticket],
        Timings = new CaptureTimings { FileDeadlineSeconds = 900, FirstPollSeconds = 15, MaxPollSeconds = 120 },
    };

    private static T Read<T>(JsonElement input) => input.Deserialize<T>(WorkflowSerializer.Options)!;

    /// <summary>Every activity succeeding; files appear on the first look.</summary>
    private static Dictionary<string, Func<JsonElement, object?>> Healthy() => new()
    {
        [CaptureActivities.PrepareTarget] = i => new PreparedTarget(Read<PrepareTargetInput>(i).Target, "nw", ["agent already installed"]),
        [CaptureActivities.StartCapture] = i =>
        {
            var input = Read<StartCaptureInput>(i);
            return new CaptureSession("op-1", input.Ticket, input.Prepared.Target, "session-" + input.Prepared.Target.Index, "https://st/captures/op-1/" + input.Prepared.Target.Index, 1, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        },
        [CaptureActivities.StopCapture] = _ => null,
        [CaptureActivities.FindCaptureFiles] = i => new[] { new CaptureFile(Read<CaptureSession>(i).FileLocation + "/a.cap", 4096) },
        [CaptureActivities.AnalyzeCapture] = i => new TargetAnalysis("Connections to 10.1.0.5:1433 are reset by the server", [new FindingSummary("TCP_RESET_BY_SERVER", FindingSeverity.Error, "Server resets")], 120, 3, "https://st/reports/op-1/" + Read<AnalyzeCaptureInput>(i).Target.Index + ".json"),
        [CaptureActivities.CleanupCapture] = _ => null,
        [CaptureActivities.PublishReport] = _ => new ReportLinks("https://st/r/op-1.json?sig=x", "https://st/r/op-1.md?sig=x", []),
        [CaptureActivities.Notify] = i => new DeliveryResult(Read<NotificationInput>(i).Channel, true, 1, null),
        [CaptureActivities.AcquireFlowTraceLease] = _ => null,
        [CaptureActivities.ReleaseFlowTraceLease] = _ => null,
    };

    private static Task<HarnessRun> Run(CaptureOperation operation, Dictionary<string, Func<JsonElement, object?>> activities, IReadOnlyList<(TimeSpan, string, object?)>? events = null) =>
        WorkflowReplayHarness.RunAndVerify(PacketCaptureWorkflow.Name, () => new PacketCaptureWorkflow(), operation, activities, events);

    private static CaptureOutcome Outcome(HarnessRun run)
    {
        Assert.Equal(WorkflowRuntimeStatus.Completed, run.Instance.RuntimeStatus);
        return JsonSerializer.Deserialize<CaptureOutcome>(run.Instance.SerializedOutput!, WorkflowSerializer.Options)!;
    }

    private static string[] Calls(HarnessRun run, string activity) => run.ActivityCalls.Where(c => c.Activity == activity).Select(c => c.Input ?? "").ToArray();

    [Fact]
    public async Task Two_targets_are_captured_in_parallel_analysed_reported_and_posted_with_flow_trace_around_them()
    {
        CaptureOperation operation = Operation(
            new CaptureTarget(0, Vm, TargetKind.VirtualMachine, [], []),
            new CaptureTarget(1, Gateway, TargetKind.VpnGateway, [], [])) with { FlowTrace = new FlowTraceLease(Firewall, Workspace, 60) };

        HarnessRun run = await Run(operation, Healthy());

        CaptureOutcome outcome = Outcome(run);
        Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
        Assert.All(outcome.Targets, t => Assert.Equal(TargetState.Analyzed, t.State));
        Assert.Equal(["agent already installed"], outcome.Targets[0].Notes);
        Assert.Equal([NotificationChannel.Teams, NotificationChannel.Ticket], outcome.Deliveries.Select(d => d.Channel));
        Assert.NotNull(outcome.Report);

        string[] order = run.ActivityCalls.Select(c => c.Activity).ToArray();
        Assert.Equal(CaptureActivities.AcquireFlowTraceLease, order[0]);
        Assert.Equal(2, Calls(run, CaptureActivities.StartCapture).Length);
        Assert.Equal(2, Calls(run, CaptureActivities.CleanupCapture).Length);
        // Both captures are started before either capture window ends (fan-out, not one after the other).
        Assert.True(Array.LastIndexOf(order, CaptureActivities.StartCapture) < Array.IndexOf(order, CaptureActivities.StopCapture));
        int release = Array.IndexOf(order, CaptureActivities.ReleaseFlowTraceLease);
        Assert.True(release > Array.LastIndexOf(order, CaptureActivities.CleanupCapture) && release < Array.IndexOf(order, CaptureActivities.PublishReport));
        Assert.True(Array.IndexOf(order, CaptureActivities.PublishReport) < Array.IndexOf(order, CaptureActivities.Notify), "the report is stored before anything is sent");

        // The capture ran for its duration of harness time (5 minutes), not more, not less.
        TimeSpan took = run.Instance.LastUpdatedAt - run.Instance.CreatedAt;
        Assert.InRange(took, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(310));
        CaptureProgress progress = JsonSerializer.Deserialize<CaptureProgress>(run.Instance.SerializedCustomStatus!, WorkflowSerializer.Options)!;
        Assert.Equal(nameof(CaptureStatus.Succeeded), progress.Phase);
    }

    [Fact]
    public async Task A_file_that_never_arrives_ends_at_the_deadline_with_cleanup_and_the_ticket_told_why()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.FindCaptureFiles] = _ => Array.Empty<CaptureFile>();
        var notifications = new List<NotificationInput>();
        activities[CaptureActivities.Notify] = i =>
        {
            notifications.Add(Read<NotificationInput>(i));
            return new DeliveryResult(Read<NotificationInput>(i).Channel, true, 1, null);
        };

        HarnessRun run = await Run(Operation(), activities);

        CaptureOutcome outcome = Outcome(run);
        TargetOutcome target = Assert.Single(outcome.Targets);
        Assert.Equal(CaptureStatus.Failed, outcome.Status);
        Assert.Equal(TargetState.NoFile, target.State);
        Assert.Contains("did not appear in storage within 15 minutes", target.Problem, StringComparison.Ordinal);
        Assert.Single(Calls(run, CaptureActivities.CleanupCapture));
        Assert.Empty(Calls(run, CaptureActivities.AnalyzeCapture));
        Assert.All(notifications, n => Assert.Equal(NotificationKind.CaptureFailed, n.Kind));
        // Polled with back-off (15, 30, 60, 120, 120, ... s), not every second, until the 15-minute deadline.
        Assert.InRange(Calls(run, CaptureActivities.FindCaptureFiles).Length, 6, 12);
        TimeSpan took = run.Instance.LastUpdatedAt - run.Instance.CreatedAt;
        Assert.InRange(took, TimeSpan.FromSeconds(300 + 900), TimeSpan.FromSeconds(300 + 900 + 10));
    }

    [Fact]
    public async Task A_deadline_under_two_minutes_is_told_in_seconds_not_as_zero_minutes()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.FindCaptureFiles] = _ => Array.Empty<CaptureFile>();

        HarnessRun run = await Run(Operation() with { Timings = new CaptureTimings { FileDeadlineSeconds = 45, FirstPollSeconds = 15, MaxPollSeconds = 15 } }, activities);

        Assert.Contains("did not appear in storage within 45 seconds of the stop", Outcome(run).Targets[0].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_created_event_ends_the_wait_without_waiting_for_the_next_poll()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        int looks = 0;
        activities[CaptureActivities.FindCaptureFiles] = i => ++looks == 1 ? Array.Empty<CaptureFile>() : new[] { new CaptureFile("https://st/captures/op-1/0/a.cap", 10) };
        CaptureOperation operation = Operation() with { Timings = new CaptureTimings { FileDeadlineSeconds = 3600, FirstPollSeconds = 600, MaxPollSeconds = 600 } };

        HarnessRun run = await Run(operation, activities,
            [(TimeSpan.FromSeconds(340), PacketCaptureWorkflow.FileCreatedEvent(0), new CaptureFile("https://st/captures/op-1/0/a.cap", 10))]);

        Assert.Equal(CaptureStatus.Succeeded, Outcome(run).Status);
        Assert.Equal(2, looks);
        TimeSpan took = run.Instance.LastUpdatedAt - run.Instance.CreatedAt;
        Assert.InRange(took, TimeSpan.FromSeconds(340), TimeSpan.FromSeconds(350));
    }

    [Fact]
    public async Task When_the_file_count_is_unknown_the_wait_ends_once_no_more_files_arrive_between_two_looks()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.StartCapture] = i =>
        {
            var input = Read<StartCaptureInput>(i);
            return new CaptureSession("op-1", input.Ticket, input.Prepared.Target, Firewall.ToString(), "https://st/op-1-0", 0, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        };
        CaptureFile first = new("https://st/op-1-0/fw_0.pcap", 0), second = new("https://st/op-1-0/fw_1.pcap", 4096);
        CaptureFile[][] looks = [[], [first], [first, second], [first, second]];
        int look = 0;
        activities[CaptureActivities.FindCaptureFiles] = _ => looks[Math.Min(look++, looks.Length - 1)];

        HarnessRun run = await Run(Operation(new CaptureTarget(0, Firewall, TargetKind.Firewall, [], [])), activities);

        Assert.Equal(CaptureStatus.Succeeded, Outcome(run).Status);
        Assert.Equal(4, look);
        AnalyzeCaptureInput analysed = JsonSerializer.Deserialize<AnalyzeCaptureInput>(Assert.Single(Calls(run, CaptureActivities.AnalyzeCapture)), WorkflowSerializer.Options)!;
        Assert.Equal([first, second], analysed.Files);
        Assert.DoesNotContain(Outcome(run).Targets[0].Notes, n => n.Contains("capture files arrived", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_mid_capture_stops_and_cleans_up_at_once_and_skips_analysis()
    {
        HarnessRun run = await Run(Operation(), Healthy(), [(TimeSpan.FromSeconds(60), PacketCaptureWorkflow.CancelEvent, "ticket closed")]);

        CaptureOutcome outcome = Outcome(run);
        Assert.Equal(CaptureStatus.Cancelled, outcome.Status);
        Assert.Equal(TargetState.Cancelled, outcome.Targets[0].State);
        Assert.Single(Calls(run, CaptureActivities.StopCapture));
        Assert.Single(Calls(run, CaptureActivities.CleanupCapture));
        Assert.Empty(Calls(run, CaptureActivities.AnalyzeCapture));
        Assert.Equal(2, Calls(run, CaptureActivities.Notify).Length);
        TimeSpan took = run.Instance.LastUpdatedAt - run.Instance.CreatedAt;
        Assert.InRange(took, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(70));
    }

    [Fact]
    public async Task A_permanent_start_failure_is_not_retried_leaves_nothing_to_clean_and_says_why()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.StartCapture] = _ => throw new PermanentFailureException("AuthorizationFailed: the orchestrator may not create packet captures in rg 'app'");

        HarnessRun run = await Run(Operation(), activities);

        CaptureOutcome outcome = Outcome(run);
        Assert.Equal(CaptureStatus.Failed, outcome.Status);
        Assert.Equal("could not start: AuthorizationFailed: the orchestrator may not create packet captures in rg 'app'", outcome.Targets[0].Problem);
        Assert.Single(Calls(run, CaptureActivities.StartCapture));
        Assert.Empty(Calls(run, CaptureActivities.CleanupCapture));
    }

    [Fact]
    public async Task A_transient_start_failure_is_retried_with_back_off()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        Func<JsonElement, object?> start = activities[CaptureActivities.StartCapture];
        int attempts = 0;
        activities[CaptureActivities.StartCapture] = i => ++attempts < 3 ? throw new TimeoutException("ARM did not answer") : start(i);

        HarnessRun run = await Run(Operation(), activities);

        Assert.Equal(CaptureStatus.Succeeded, Outcome(run).Status);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task A_partial_failure_still_reports_the_target_that_worked()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        Func<JsonElement, object?> prepare = activities[CaptureActivities.PrepareTarget];
        activities[CaptureActivities.PrepareTarget] = i => Read<PrepareTargetInput>(i).Target.Index == 1
            ? throw new PermanentFailureException("the VPN gateway is policy-based; packet capture is not supported")
            : prepare(i);

        HarnessRun run = await Run(Operation(new CaptureTarget(0, Vm, TargetKind.VirtualMachine, [], []), new CaptureTarget(1, Gateway, TargetKind.VpnGateway, [], [])), activities);

        CaptureOutcome outcome = Outcome(run);
        Assert.Equal(CaptureStatus.PartiallySucceeded, outcome.Status);
        Assert.Equal([TargetState.Analyzed, TargetState.Failed], outcome.Targets.Select(t => t.State));
        Assert.Contains("policy-based", outcome.Targets[1].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_that_keeps_failing_is_recorded_and_the_report_is_kept()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.Notify] = i => Read<NotificationInput>(i).Channel == NotificationChannel.Teams
            ? throw new HttpRequestException("teams webhook answered 503")
            : new DeliveryResult(NotificationChannel.Ticket, true, 1, null);

        HarnessRun run = await Run(Operation(), activities);

        CaptureOutcome outcome = Outcome(run);
        Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
        DeliveryResult teams = outcome.Deliveries.Single(d => d.Channel == NotificationChannel.Teams);
        Assert.False(teams.Delivered);
        Assert.Contains("503", teams.Error, StringComparison.Ordinal);
        Assert.True(outcome.Deliveries.Single(d => d.Channel == NotificationChannel.Ticket).Delivered);
        Assert.Equal(8, Calls(run, CaptureActivities.Notify).Count(c => JsonDocument.Parse(c).RootElement.GetProperty("channel").GetString() == "teams"));
        Assert.NotNull(outcome.Report);
    }

    [Fact]
    public async Task A_cleanup_that_fails_is_noted_for_the_sweeper_instead_of_failing_the_target()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.CleanupCapture] = _ => throw new PermanentFailureException("AuthorizationFailed on delete");

        CaptureOutcome outcome = Outcome(await Run(Operation(), activities));

        Assert.Equal(TargetState.Analyzed, outcome.Targets[0].State);
        Assert.Contains(outcome.Targets[0].Notes, n => n.Contains("the sweeper will remove the session", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flow_trace_that_cannot_be_switched_on_does_not_stop_the_capture()
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.AcquireFlowTraceLease] = _ => throw new PermanentFailureException("the firewall's workspace is not reachable");

        HarnessRun run = await Run(Operation() with { FlowTrace = new FlowTraceLease(Firewall, Workspace, 60) }, activities);

        CaptureOutcome outcome = Outcome(run);
        Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
        Assert.Contains(outcome.Problems, p => p.Contains("workspace is not reachable", StringComparison.Ordinal));
        Assert.Empty(Calls(run, CaptureActivities.ReleaseFlowTraceLease));
    }

    private static readonly ArmResourceId Vm2 = ArmResourceId.Parse(Sub + "/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm2");

    /// <summary>Activities of a two-VM path operation: the analysis names the files it read, as the real one does.</summary>
    private static Dictionary<string, Func<JsonElement, object?>> PathActivities(List<CorrelatePathInput> asked)
    {
        Dictionary<string, Func<JsonElement, object?>> activities = Healthy();
        activities[CaptureActivities.AnalyzeCapture] = i =>
        {
            var input = Read<AnalyzeCaptureInput>(i);
            return new TargetAnalysis("v", [], 10, 1, $"https://st/reports/op-1/{input.Target.Index}.json", input.Files);
        };
        activities[CaptureActivities.CorrelatePath] = i =>
        {
            asked.Add(Read<CorrelatePathInput>(i));
            return new PathVerdict("Packets of tcp 10.1.0.4:50001 → 10.3.0.5:3389 reach vm1 but never appear in vm2", ["vm1", "vm2"], "vm2", 4, []);
        };
        return activities;
    }

    [Fact]
    public async Task A_path_operation_correlates_its_targets_in_request_order_and_reports_and_notifies_with_the_verdict()
    {
        var asked = new List<CorrelatePathInput>();
        CaptureOperation operation = Operation(new CaptureTarget(0, Vm, TargetKind.VirtualMachine, [], []), new CaptureTarget(1, Vm2, TargetKind.VirtualMachine, [], [])) with { Path = true };

        HarnessRun run = await Run(operation, PathActivities(asked));

        CorrelatePathInput input = Assert.Single(asked);
        Assert.Equal(["vm1", "vm2"], input.Points.Select(p => p.Name));
        Assert.Equal(["https://st/captures/op-1/0/a.cap", "https://st/captures/op-1/1/a.cap"], input.Points.Select(p => p.Files[0].BlobUrl));
        Assert.Equal("vm2", Outcome(run).Path!.StopsAt);
        Assert.Equal("vm2", JsonDocument.Parse(Assert.Single(Calls(run, CaptureActivities.PublishReport))).RootElement.GetProperty("path").GetProperty("stopsAt").GetString());
        Assert.All(Calls(run, CaptureActivities.Notify), c => Assert.Equal("vm2", JsonDocument.Parse(c).RootElement.GetProperty("path").GetProperty("stopsAt").GetString()));
    }

    [Fact]
    public async Task A_path_with_one_target_analysed_reports_each_target_alone_and_says_why()
    {
        var asked = new List<CorrelatePathInput>();
        Dictionary<string, Func<JsonElement, object?>> activities = PathActivities(asked);
        Func<JsonElement, object?> analyze = activities[CaptureActivities.AnalyzeCapture];
        activities[CaptureActivities.AnalyzeCapture] = i => Read<AnalyzeCaptureInput>(i).Target.Index == 1 ? throw new PermanentFailureException("vm2's file is not a capture") : analyze(i);
        CaptureOperation operation = Operation(new CaptureTarget(0, Vm, TargetKind.VirtualMachine, [], []), new CaptureTarget(1, Vm2, TargetKind.VirtualMachine, [], [])) with { Path = true };

        HarnessRun run = await Run(operation, activities);

        Assert.Empty(asked);
        CaptureOutcome outcome = Outcome(run);
        Assert.Null(outcome.Path);
        Assert.Contains(outcome.Problems, p => p.StartsWith("path: 1 of 2 targets were analysed", StringComparison.Ordinal));
        Assert.Equal(CaptureStatus.PartiallySucceeded, outcome.Status);
    }

    [Fact]
    public async Task An_operation_that_is_not_a_path_never_correlates()
    {
        var asked = new List<CorrelatePathInput>();
        HarnessRun run = await Run(Operation(new CaptureTarget(0, Vm, TargetKind.VirtualMachine, [], []), new CaptureTarget(1, Vm2, TargetKind.VirtualMachine, [], [])), PathActivities(asked));

        Assert.Empty(asked);
        Assert.Null(Outcome(run).Path);
    }
}
