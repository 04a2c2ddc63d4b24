using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Functions.Tests.Engines;
using static CaptureOrchestrator.Functions.Tests.Parity.Scripts;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>
/// The capture runbook's cases, as the replay tests of Core have them, with durations short enough
/// for real time: a one-second capture window and one-second polls.
/// </summary>
internal static class CaptureCases
{
    private const string Sub = "/subscriptions/11111111-2222-3333-4444-555555555555";
    public static readonly ArmResourceId Vm = ArmResourceId.Parse(Sub + "/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1");
    public static readonly ArmResourceId Gateway = ArmResourceId.Parse(Sub + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworkGateways/vpngw");
    public static readonly ArmResourceId Firewall = ArmResourceId.Parse(Sub + "/resourceGroups/net/providers/Microsoft.Network/azureFirewalls/fw1");
    public static readonly ArmResourceId Workspace = ArmResourceId.Parse(Sub + "/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/law1");
    private static readonly DateTime SessionStart = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static CaptureOperation Operation(string id, params CaptureTarget[] targets) => new()
    {
        OperationId = id,
        Ticket = new TicketKey("servicenow", "INC0012345", null),
        Targets = targets.Length > 0 ? targets : [Target(0, Vm, TargetKind.VirtualMachine)],
        Filter = new TrafficFilter("10.0.0.4", null, null, 1433, "TCP"),
        DurationSeconds = 1,
        MaxBytesPerTarget = 1 << 30,
        NotificationChannels = [NotificationChannel.Teams, NotificationChannel.Ticket],
        Timings = new CaptureTimings { FileDeadlineSeconds = 30, FirstPollSeconds = 1, MaxPollSeconds = 1 },
    };

    public static CaptureTarget Target(int index, ArmResourceId id, TargetKind kind) => new(index, id, kind, [], []);

    /// <summary>Every activity succeeding; one file per target on the first look.</summary>
    public static IReadOnlyDictionary<string, Script> Healthy { get; } = new Dictionary<string, Script>
    {
        [CaptureActivities.PrepareTarget] = Returns(c => new PreparedTarget(c.Read<PrepareTargetInput>().Target, "nw", ["agent already installed"])),
        [CaptureActivities.StartCapture] = Returns(c => Session(c.Read<StartCaptureInput>(), expectedFiles: 1)),
        [CaptureActivities.StopCapture] = ReturnsNothing,
        [CaptureActivities.FindCaptureFiles] = Returns(c => new[] { new CaptureFile(c.Read<CaptureSession>().FileLocation + "/a.cap", 4096) }),
        [CaptureActivities.AnalyzeCapture] = Returns(c => new TargetAnalysis(
            "Connections to 10.1.0.5:1433 are reset by the server", [new FindingSummary("TCP_RESET_BY_SERVER", FindingSeverity.Error, "Server resets")], 120, 3,
            $"https://st/reports/{c.Read<AnalyzeCaptureInput>().OperationId}/{c.Read<AnalyzeCaptureInput>().Target.Index}.json")),
        [CaptureActivities.CleanupCapture] = ReturnsNothing,
        [CaptureActivities.PublishReport] = Returns(c => new ReportLinks("https://st/r/op.json?sig=x", "https://st/r/op.md?sig=x", [])),
        [CaptureActivities.Notify] = Returns(c => new DeliveryResult(c.Read<NotificationInput>().Channel, true, c.Attempt, null)),
        [CaptureActivities.AcquireFlowTraceLease] = ReturnsNothing,
        [CaptureActivities.ReleaseFlowTraceLease] = ReturnsNothing,
    };

    public static CaptureSession Session(StartCaptureInput input, int expectedFiles) =>
        new(input.OperationId, input.Ticket, input.Prepared.Target, "session-" + input.Prepared.Target.Index, $"https://st/captures/{input.OperationId}/{input.Prepared.Target.Index}", expectedFiles, SessionStart);

    private static WorkflowCase Case(string name, CaptureOperation operation, IReadOnlyDictionary<string, Script> activities, Action<EngineRun, CaptureOutcome> check) =>
        new(name, PacketCaptureWorkflow.Name, _ => operation, activities, run =>
        {
            Assert.Equal(Core.Workflows.WorkflowRuntimeStatus.Completed, run.Instance.RuntimeStatus);
            CaptureOutcome outcome = run.Output<CaptureOutcome>();
            Assert.Equal(outcome.Status.ToString(), run.CustomStatus<CaptureProgress>().Phase);
            check(run, outcome);
        }, Timeout);

    public static IEnumerable<WorkflowCase> All()
    {
        yield return Case(
            "capture-two-targets-with-flow-trace",
            Operation("op-two", Target(0, Vm, TargetKind.VirtualMachine), Target(1, Gateway, TargetKind.VpnGateway)) with { FlowTrace = new FlowTraceLease(Firewall, Workspace, 60) },
            Healthy,
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
                Assert.All(outcome.Targets, t => Assert.Equal(TargetState.Analyzed, t.State));
                Assert.Equal([NotificationChannel.Teams, NotificationChannel.Ticket], outcome.Deliveries.Select(d => d.Channel));
                string[] order = run.Calls.Select(c => c.Activity).ToArray();
                Assert.Equal(CaptureActivities.AcquireFlowTraceLease, order[0]);
                Assert.True(Array.LastIndexOf(order, CaptureActivities.StartCapture) < Array.IndexOf(order, CaptureActivities.StopCapture), "both captures run at the same time");
                int release = Array.IndexOf(order, CaptureActivities.ReleaseFlowTraceLease);
                Assert.True(release > Array.LastIndexOf(order, CaptureActivities.CleanupCapture) && release < Array.IndexOf(order, CaptureActivities.PublishReport));
                Assert.True(run.Took >= TimeSpan.FromSeconds(1), "the capture window is a durable timer of the duration");
            });

        yield return Case(
            "capture-cancelled-in-the-window",
            Operation("op-cancel") with { DurationSeconds = 300 },
            Healthy.With((CaptureActivities.StartCapture, RaisesThenReturns(
                c => c.RaiseAsync(PacketCaptureWorkflow.CancelEvent, "ticket closed"),
                c => Session(c.Read<StartCaptureInput>(), 1)))),
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Cancelled, outcome.Status);
                Assert.Equal(TargetState.Cancelled, outcome.Targets[0].State);
                Assert.Single(run.CallsTo(CaptureActivities.StopCapture));
                Assert.Single(run.CallsTo(CaptureActivities.CleanupCapture));
                Assert.Empty(run.CallsTo(CaptureActivities.AnalyzeCapture));
                Assert.All(run.CallsTo(CaptureActivities.Notify), n => Assert.Contains("\"kind\":\"CaptureCancelled\"", n.Input, StringComparison.Ordinal));
                Assert.True(run.Took < TimeSpan.FromSeconds(60), "the cancel ends the 5-minute window at once");
            });

        yield return Case(
            "capture-file-announced-by-blob-created",
            Operation("op-event") with { Timings = new CaptureTimings { FileDeadlineSeconds = 600, FirstPollSeconds = 300, MaxPollSeconds = 300 } },
            Healthy.With((CaptureActivities.FindCaptureFiles, async c =>
            {
                var file = new CaptureFile(c.Read<CaptureSession>().FileLocation + "/a.cap", 10);
                if (c.Call > 1)
                {
                    return new[] { file };
                }

                await c.RaiseAsync(PacketCaptureWorkflow.FileCreatedEvent(0), file);
                return Array.Empty<CaptureFile>();
            })),
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
                Assert.Equal(2, run.CallsTo(CaptureActivities.FindCaptureFiles).Length);
                Assert.True(run.Took < TimeSpan.FromSeconds(60), "the event ends the 5-minute poll wait");
            });

        yield return Case(
            "capture-no-file-by-the-deadline",
            Operation("op-nofile") with { Timings = new CaptureTimings { FileDeadlineSeconds = 3, FirstPollSeconds = 1, MaxPollSeconds = 1 } },
            Healthy.With((CaptureActivities.FindCaptureFiles, Returns(Array.Empty<CaptureFile>()))),
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Failed, outcome.Status);
                Assert.Equal(TargetState.NoFile, outcome.Targets[0].State);
                Assert.Contains("did not appear in storage", outcome.Targets[0].Problem, StringComparison.Ordinal);
                Assert.InRange(run.CallsTo(CaptureActivities.FindCaptureFiles).Length, 3, 5);
                Assert.Single(run.CallsTo(CaptureActivities.CleanupCapture));
                Assert.Empty(run.CallsTo(CaptureActivities.AnalyzeCapture));
                Assert.True(run.Took >= TimeSpan.FromSeconds(4), "one-second window, then the three-second deadline");
            });

        yield return Case(
            "capture-transient-failure-retried-after-back-off",
            Operation("op-transient"),
            Healthy.With((CaptureActivities.PrepareTarget, c => c.Attempt == 1
                ? Task.FromException<object?>(new TimeoutException("ARM did not answer"))
                : Task.FromResult<object?>(new PreparedTarget(c.Read<PrepareTargetInput>().Target, "nw", [])))),
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
                Assert.Equal([1, 2], run.CallsTo(CaptureActivities.PrepareTarget).Select(c => c.Attempt));
                Assert.True(run.Took >= TimeSpan.FromSeconds(10), "the first retry waits 10 s on a durable timer");
            });

        yield return Case(
            "capture-permanent-failure-not-retried",
            Operation("op-permanent"),
            Healthy.With((CaptureActivities.StartCapture, Throws(_ => new PermanentFailureException("AuthorizationFailed: the orchestrator may not create packet captures in rg 'app'")))),
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Failed, outcome.Status);
                Assert.Equal("could not start: AuthorizationFailed: the orchestrator may not create packet captures in rg 'app'", outcome.Targets[0].Problem);
                Assert.Single(run.CallsTo(CaptureActivities.StartCapture));
                Assert.Empty(run.CallsTo(CaptureActivities.CleanupCapture));
            });

        CaptureFile first = new("https://st/captures/op-fw/0/fw_0.pcap", 0), second = new("https://st/captures/op-fw/0/fw_1.pcap", 4096);
        yield return Case(
            "capture-firewall-files-of-unknown-count",
            Operation("op-fw", Target(0, Firewall, TargetKind.Firewall)),
            Healthy.With(
                (CaptureActivities.StartCapture, Returns(c => Session(c.Read<StartCaptureInput>(), expectedFiles: 0))),
                (CaptureActivities.FindCaptureFiles, Returns(c => c.Call == 1 ? new[] { first } : new[] { first, second }))),
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
                Assert.Equal(3, run.CallsTo(CaptureActivities.FindCaptureFiles).Length);
                Assert.Contains("fw_1.pcap", Assert.Single(run.CallsTo(CaptureActivities.AnalyzeCapture)).Input, StringComparison.Ordinal);
            });

        yield return Case(
            "capture-report-and-a-channel-fail",
            Operation("op-undelivered"),
            Healthy.With(
                (CaptureActivities.PublishReport, Throws(_ => new PermanentFailureException("the reports container is gone"))),
                (CaptureActivities.Notify, c => c.Read<NotificationInput>().Channel == NotificationChannel.Teams
                    ? Task.FromException<object?>(new PermanentFailureException("teams webhook answered 404"))
                    : Task.FromResult<object?>(new DeliveryResult(NotificationChannel.Ticket, true, c.Attempt, null)))),
            (run, outcome) =>
            {
                Assert.Equal(CaptureStatus.Succeeded, outcome.Status);
                Assert.Null(outcome.Report);
                Assert.Contains(outcome.Problems, p => p.StartsWith("the report could not be stored: the reports container is gone", StringComparison.Ordinal));
                DeliveryResult teams = outcome.Deliveries.Single(d => d.Channel == NotificationChannel.Teams);
                Assert.False(teams.Delivered);
                Assert.Contains("404", teams.Error, StringComparison.Ordinal);
                Assert.True(outcome.Deliveries.Single(d => d.Channel == NotificationChannel.Ticket).Delivered);
            });
    }
}
