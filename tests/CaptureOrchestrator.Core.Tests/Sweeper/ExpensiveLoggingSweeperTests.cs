using System.Text.Json;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Testing;

namespace CaptureOrchestrator.Core.Tests.Sweeper;

public sealed class ExpensiveLoggingSweeperTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc); // the harness clock's start

    private static ExpensiveLogging Item(string resource, string? owner, bool running, int expiresInMinutes) =>
        new("FlowTrace", resource, owner, running, Now.AddMinutes(expiresInMinutes), "{}");

    [Theory]
    [InlineData(null, false, 30, true)]     // nobody owns it
    [InlineData("lease-1", false, 30, true)] // its workflow died
    [InlineData("lease-1", true, 30, false)] // running, not expired
    [InlineData("lease-1", true, -5, false)] // just expired: its workflow is about to switch it off
    [InlineData("lease-1", true, -15, true)] // expired long ago and still on: stuck
    public void Only_orphans_and_long_expired_logging_is_due(string? owner, bool running, int expiresInMinutes, bool due)
    {
        string? why = SweepPolicy.WhyDue(Item("fw1", owner, running, expiresInMinutes), Now, TimeSpan.FromMinutes(10));

        Assert.Equal(due, why is not null);
    }

    [Fact]
    public async Task The_sweep_switches_off_what_is_due_reports_it_and_records_what_it_could_not()
    {
        ExpensiveLogging[] found =
        [
            Item("fw-orphan", "flowtrace-dead", running: false, 60),
            Item("fw-healthy", "flowtrace-live", running: true, 60),
            Item("fw-stuck", "flowtrace-stuck", running: true, -60),
        ];
        var turnedOff = new List<string>();
        var reports = new List<SweepOutcome>();
        var activities = new Dictionary<string, Func<JsonElement, object?>>
        {
            [SweeperActivities.FindExpensiveLogging] = _ => found,
            [SweeperActivities.TurnOff] = i =>
            {
                string resource = i.GetProperty("resourceId").GetString()!;
                if (resource == "fw-stuck")
                {
                    throw new PermanentFailureException("AuthorizationFailed on diagnosticSettings/write");
                }

                turnedOff.Add(resource);
                return true;
            },
            [SweeperActivities.ReportSweep] = i =>
            {
                reports.Add(i.Deserialize<SweepOutcome>(WorkflowSerializer.Options)!);
                return null;
            },
        };

        HarnessRun run = await WorkflowReplayHarness.RunAndVerify(ExpensiveLoggingSweeperWorkflow.Name, () => new ExpensiveLoggingSweeperWorkflow(), new SweeperSettings(10), activities);

        SweepOutcome outcome = JsonSerializer.Deserialize<SweepOutcome>(run.Instance.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.Equal(3, outcome.Inspected);
        Assert.Equal(["fw-orphan"], turnedOff);
        Assert.Equal("fw-orphan", Assert.Single(outcome.TurnedOff).Item.ResourceId);
        SweptItem failed = Assert.Single(outcome.Failed);
        Assert.Equal("fw-stuck", failed.Item.ResourceId);
        Assert.Contains("AuthorizationFailed", failed.Problem, StringComparison.Ordinal);
        Assert.Single(reports);
    }

    [Fact]
    public async Task Logging_found_already_off_is_counted_but_not_reported()
    {
        var activities = new Dictionary<string, Func<JsonElement, object?>>
        {
            [SweeperActivities.FindExpensiveLogging] = i =>
            {
                Assert.Equal(48, i.GetProperty("lookbackHours").GetInt32());
                return new[] { Item("fw-dead-but-off", "flowtrace-dead", running: false, 60) };
            },
            [SweeperActivities.TurnOff] = _ => false,
            [SweeperActivities.ReportSweep] = _ => throw new InvalidOperationException("nothing was on: nothing to report"),
        };

        HarnessRun run = await WorkflowReplayHarness.RunAndVerify(ExpensiveLoggingSweeperWorkflow.Name, () => new ExpensiveLoggingSweeperWorkflow(), new SweeperSettings(10, LookbackHours: 48), activities);

        SweepOutcome outcome = JsonSerializer.Deserialize<SweepOutcome>(run.Instance.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.Empty(outcome.TurnedOff);
        Assert.Empty(outcome.Failed);
        Assert.Equal(1, outcome.AlreadyOff);
        Assert.DoesNotContain(run.ActivityCalls, c => c.Activity == SweeperActivities.ReportSweep);
    }

    [Fact]
    public async Task A_quiet_sweep_posts_nothing()
    {
        var activities = new Dictionary<string, Func<JsonElement, object?>>
        {
            [SweeperActivities.FindExpensiveLogging] = _ => new[] { Item("fw-healthy", "flowtrace-live", running: true, 60) },
            [SweeperActivities.TurnOff] = _ => throw new InvalidOperationException("nothing should be turned off"),
            [SweeperActivities.ReportSweep] = _ => throw new InvalidOperationException("nothing to report"),
        };

        HarnessRun run = await WorkflowReplayHarness.RunAndVerify(ExpensiveLoggingSweeperWorkflow.Name, () => new ExpensiveLoggingSweeperWorkflow(), new SweeperSettings(), activities);

        Assert.Equal([SweeperActivities.FindExpensiveLogging], run.ActivityCalls.Select(c => c.Activity));
    }
}
