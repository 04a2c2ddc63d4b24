using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Tests.Engines;
using static CaptureOrchestrator.Functions.Tests.Parity.CaptureCases;
using static CaptureOrchestrator.Functions.Tests.Parity.Scripts;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>Triage (with its capture as a sub-workflow), the flow-trace lease (with continue-as-new) and the sweeper.</summary>
internal static class WorkflowCases
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly PathCheck Path = new(Vm, "Outbound", "TCP", "10.1.0.4", null, "10.2.0.20", 1433);
    private static readonly Guid WorkspaceGuid = Guid.Parse("6f1b1c1e-0000-4000-8000-000000000001");

    private static IReadOnlyDictionary<string, Script> Triage { get; } = Healthy.With(
        (TriageActivities.DiagnosePath, Returns(new PathDiagnosis("Allow", "AllowVnetOutBound", "VirtualAppliance", "10.0.1.4", "rt-spoke", "Reachable", []))),
        (TriageActivities.QueryLogs, Returns(new LogEvidence([new RuleHits("block-sql", "Deny", 12)], [], null))));

    private static IReadOnlyDictionary<string, Script> Switches { get; } = new Dictionary<string, Script>
    {
        [FlowTraceActivities.EnableFlowTrace] = Returns("{\"createdSetting\":true}"),
        [FlowTraceActivities.DisableFlowTrace] = ReturnsNothing,
        [FlowTraceActivities.NotifyFlowTrace] = ReturnsNothing,
    };

    private static FlowTraceLeaseState FirstHolder(DateTime now) => new(Firewall, Workspace, [new LeaseHolder("servicenow:INC1", now.AddMinutes(30))]);

    private static LeaseRequest Release => new(LeaseRequest.Release, "servicenow:INC1");

    /// <summary>
    /// One generation's worth of extensions: the lease continues as new with its holders and receipt,
    /// and flow trace is not switched on twice. The holder then leaves, either raised with the
    /// extensions (so it is still unread at the continue-as-new and must be carried over) or once the
    /// new generation is seen running.
    /// </summary>
    public static WorkflowCase ContinueAsNew(string name, bool releaseWithTheExtensions) => new(
        name,
        FlowTraceLeaseWorkflow.Name,
        FirstHolder,
        Switches.With((FlowTraceActivities.EnableFlowTrace, RaisesThenReturns(
            async c =>
            {
                for (int i = 0; i < FlowTraceLeaseWorkflow.RequestsPerGeneration; i++)
                {
                    await c.RaiseAsync(FlowTraceLeaseWorkflow.RequestEvent, new LeaseRequest(LeaseRequest.Extend, "servicenow:INC1", 30 + i));
                }

                if (releaseWithTheExtensions)
                {
                    await c.RaiseAsync(FlowTraceLeaseWorkflow.RequestEvent, Release);
                }
                else
                {
                    _ = ReleaseOnceContinuedAsync(c);
                }
            },
            _ => "{\"createdSetting\":true}"))),
        run =>
        {
            Completed(run);
            Assert.True(run.Output<FlowTraceLeaseOutcome>().Disabled);
            Assert.Single(run.CallsTo(FlowTraceActivities.EnableFlowTrace));
            Assert.Single(run.CallsTo(FlowTraceActivities.DisableFlowTrace));
            // The instance ran on as a new generation: its input now carries the receipt and the extended holder.
            FlowTraceLeaseState carried = Generation(run.Instance.SerializedInput)!;
            Assert.Equal("{\"createdSetting\":true}", carried.Receipt);
            Assert.Equal("servicenow:INC1", Assert.Single(carried.Holders).Holder);
            Assert.True(carried.Holders[0].ExpiresAtUtc > run.StartedAt.AddMinutes(48), "the 20th extension (49 minutes) is in the carried state");
        },
        Timeout);

    private static FlowTraceLeaseState? Generation(string? input) =>
        input is null ? null : System.Text.Json.JsonSerializer.Deserialize<FlowTraceLeaseState>(input, WorkflowSerializer.Options);

    private static async Task ReleaseOnceContinuedAsync(ScriptedCall call)
    {
        using var give = new CancellationTokenSource(Timeout);
        while (Generation((await call.Workflows.GetInstanceAsync(call.InstanceId, getInputsAndOutputs: true, give.Token))?.SerializedInput)?.Receipt is null)
        {
            await Task.Delay(50, give.Token);
        }

        await call.RaiseAsync(FlowTraceLeaseWorkflow.RequestEvent, Release);
    }

    private static void Completed(EngineRun run) => Assert.Equal(WorkflowRuntimeStatus.Completed, run.Instance.RuntimeStatus);

    public static IEnumerable<WorkflowCase> All()
    {
        yield return new WorkflowCase(
            "triage-path-capture-and-logs",
            TriageWorkflow.Name,
            _ => new TriageOperation(Operation("op-triage"), Path, WorkspaceGuid, Firewall),
            Triage,
            run =>
            {
                Completed(run);
                TriageOutcome outcome = run.Output<TriageOutcome>();
                Assert.Equal(CaptureStatus.Succeeded, outcome.Capture!.Status);
                Assert.Equal("Next hop is the firewall (10.0.1.4) and the firewall log shows Deny by rule block-sql (12 rows).", outcome.Verdict[0]);
                Assert.Empty(outcome.Problems);
                LogQuery query = Assert.Single(run.CallsTo(TriageActivities.QueryLogs)).Input is { } json ? System.Text.Json.JsonSerializer.Deserialize<LogQuery>(json, WorkflowSerializer.Options)! : null!;
                Assert.True(query.ToUtc - query.FromUtc >= TimeSpan.FromSeconds(1), "the logs are read for the capture window");
                Assert.Equal("Done", run.CustomStatus<System.Text.Json.JsonElement>().GetProperty("phase").GetString());
            },
            Timeout);

        yield return new WorkflowCase(
            "triage-path-check-fails-capture-goes-on",
            TriageWorkflow.Name,
            _ => new TriageOperation(Operation("op-triage-nopath"), Path, null, null),
            Triage.With((TriageActivities.DiagnosePath, Throws(_ => new PermanentFailureException("AuthorizationFailed on Microsoft.Network/networkWatchers/ipFlowVerify/action")))),
            run =>
            {
                Completed(run);
                TriageOutcome outcome = run.Output<TriageOutcome>();
                Assert.Null(outcome.Path);
                Assert.Equal(CaptureStatus.Succeeded, outcome.Capture!.Status);
                Assert.Equal(["path checks: AuthorizationFailed on Microsoft.Network/networkWatchers/ipFlowVerify/action"], outcome.Problems);
                Assert.Empty(run.CallsTo(TriageActivities.QueryLogs));
            },
            Timeout);

        yield return new WorkflowCase(
            "flow-trace-on-then-off-when-its-holder-leaves",
            FlowTraceLeaseWorkflow.Name,
            FirstHolder,
            Switches.With((FlowTraceActivities.EnableFlowTrace, RaisesThenReturns(c => c.RaiseAsync(FlowTraceLeaseWorkflow.RequestEvent, Release), _ => "{\"createdSetting\":true}"))),
            run =>
            {
                Completed(run);
                FlowTraceLeaseOutcome outcome = run.Output<FlowTraceLeaseOutcome>();
                Assert.True(outcome.WasEnabled && outcome.Disabled);
                Assert.Contains("createdSetting", Assert.Single(run.CallsTo(FlowTraceActivities.DisableFlowTrace)).Input, StringComparison.Ordinal);
                Assert.Equal(["FlowTraceEnabled", "FlowTraceDisabled"], run.CallsTo(FlowTraceActivities.NotifyFlowTrace).Select(c => System.Text.Json.JsonDocument.Parse(c.Input).RootElement.GetProperty("kind").GetString()));
                Assert.Equal("Off", run.CustomStatus<FlowTraceLeaseStatus>().State);
                Assert.True(run.Took >= TimeSpan.FromSeconds(5), "after the last holder leaves, the lease listens 5 s for a late one");
            },
            Timeout);

        yield return ContinueAsNew("flow-trace-continues-as-new", releaseWithTheExtensions: false);
        yield return new WorkflowCase(
            "sweeper-turns-off-what-is-due",
            ExpensiveLoggingSweeperWorkflow.Name,
            _ => new SweeperSettings(GraceMinutes: 10, LookbackHours: 24),
            new Dictionary<string, Script>
            {
                [SweeperActivities.FindExpensiveLogging] = Returns(c =>
                {
                    DateTime now = c.Read<SweepInput>().NowUtc;
                    return new[]
                    {
                        new ExpensiveLogging("FlowTrace", "fw-orphan", "flowtrace-dead", false, now.AddMinutes(60), "{}"),
                        new ExpensiveLogging("FlowTrace", "fw-healthy", "flowtrace-live", true, now.AddMinutes(60), "{}"),
                        new ExpensiveLogging("FlowTrace", "fw-stuck", "flowtrace-stuck", true, now.AddMinutes(-60), "{}"),
                    };
                }),
                [SweeperActivities.TurnOff] = c => c.Read<ExpensiveLogging>().ResourceId == "fw-stuck"
                    ? Task.FromException<object?>(new PermanentFailureException("AuthorizationFailed on diagnosticSettings/write"))
                    : Task.FromResult<object?>(true),
                [SweeperActivities.ReportSweep] = ReturnsNothing,
            },
            run =>
            {
                Completed(run);
                SweepOutcome outcome = run.Output<SweepOutcome>();
                Assert.Equal(3, outcome.Inspected);
                Assert.Equal(["fw-orphan"], outcome.TurnedOff.Select(t => t.Item.ResourceId));
                Assert.Equal("AuthorizationFailed on diagnosticSettings/write", Assert.Single(outcome.Failed).Problem);
                Assert.Single(run.CallsTo(SweeperActivities.ReportSweep));
                Assert.Equal(2, run.CallsTo(SweeperActivities.TurnOff).Length);
            },
            Timeout);
    }
}
