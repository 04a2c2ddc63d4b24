using System.Text.Json;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;
using CaptureOrchestrator.Engine.Testing;

namespace CaptureOrchestrator.Core.Tests.FlowTrace;

public sealed class FlowTraceLeaseWorkflowTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc); // the harness clock's start
    private static readonly ArmResourceId Firewall = ArmResourceId.Parse("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/net/providers/Microsoft.Network/azureFirewalls/fw1");
    private static readonly ArmResourceId Workspace = ArmResourceId.Parse("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/law1");

    private static FlowTraceLeaseState FirstHolder(int minutes) => new(Firewall, Workspace, [new LeaseHolder("servicenow:INC1", Start.AddMinutes(minutes))]);

    private static T Read<T>(JsonElement input) => input.Deserialize<T>(WorkflowSerializer.Options)!;

    private static Dictionary<string, Func<JsonElement, object?>> Switches(List<string> log) => new()
    {
        [FlowTraceActivities.EnableFlowTrace] = _ =>
        {
            log.Add("enable");
            return "{\"createdSetting\":true}";
        },
        [FlowTraceActivities.DisableFlowTrace] = i =>
        {
            log.Add("disable with " + Read<FlowTraceSwitchInput>(i).Receipt);
            return null;
        },
        [FlowTraceActivities.NotifyFlowTrace] = i =>
        {
            log.Add("tell " + Read<FlowTraceNotice>(i).Kind);
            return null;
        },
    };

    private static Task<HarnessRun> Run(FlowTraceLeaseState state, Dictionary<string, Func<JsonElement, object?>> activities, params (TimeSpan, string, object?)[] events) =>
        WorkflowReplayHarness.RunAndVerify(FlowTraceLeaseWorkflow.Name, () => new FlowTraceLeaseWorkflow(), state, activities, events, TimeSpan.FromDays(2));

    private static TimeSpan DisabledAfter(HarnessRun run) =>
        run.History.OfType<ActivityScheduled>().Last(t => t.Name == FlowTraceActivities.DisableFlowTrace).Timestamp - Start;

    private static LeaseRequest Request(string action, string holder, int minutes = 0) => new(action, holder, minutes);

    [Fact]
    public void The_instance_id_is_the_same_for_any_spelling_of_the_firewall_id()
    {
        ArmResourceId shouting = ArmResourceId.Parse(Firewall.ToString().ToUpperInvariant().Replace("SUBSCRIPTIONS", "subscriptions", StringComparison.Ordinal));

        Assert.Equal(FlowTraceLeaseWorkflow.InstanceIdFor(Firewall), FlowTraceLeaseWorkflow.InstanceIdFor(shouting));
        Assert.StartsWith("flowtrace-", FlowTraceLeaseWorkflow.InstanceIdFor(Firewall), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_holder_gets_flow_trace_on_then_off_at_expiry_with_a_card_each_time()
    {
        var log = new List<string>();

        HarnessRun run = await Run(FirstHolder(30), Switches(log));

        Assert.Equal(["enable", "tell FlowTraceEnabled", "disable with {\"createdSetting\":true}", "tell FlowTraceDisabled"], log);
        Assert.InRange(DisabledAfter(run), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30).Add(TimeSpan.FromSeconds(10)));
        FlowTraceLeaseOutcome outcome = JsonSerializer.Deserialize<FlowTraceLeaseOutcome>(run.Instance.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.True(outcome.Disabled);
    }

    [Fact]
    public async Task A_second_ticket_with_a_later_expiry_keeps_it_on_and_it_is_enabled_only_once()
    {
        var log = new List<string>();

        HarnessRun run = await Run(FirstHolder(30), Switches(log),
            (TimeSpan.FromMinutes(10), FlowTraceLeaseWorkflow.RequestEvent, Request(LeaseRequest.Acquire, "jira:OPS-7", 60)));

        Assert.Equal(1, log.Count(l => l == "enable"));
        Assert.Equal(1, log.Count(l => l.StartsWith("disable", StringComparison.Ordinal)));
        Assert.InRange(DisabledAfter(run), TimeSpan.FromMinutes(70), TimeSpan.FromMinutes(70).Add(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_shorter_request_never_cuts_a_holder_s_time_back()
    {
        var log = new List<string>();

        HarnessRun run = await Run(FirstHolder(60), Switches(log),
            (TimeSpan.FromMinutes(5), FlowTraceLeaseWorkflow.RequestEvent, Request(LeaseRequest.Extend, "servicenow:INC1", 10)));

        Assert.InRange(DisabledAfter(run), TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(60).Add(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task One_holder_leaving_does_not_switch_it_off_while_another_holds_it()
    {
        var log = new List<string>();

        HarnessRun run = await Run(FirstHolder(120), Switches(log),
            (TimeSpan.FromMinutes(1), FlowTraceLeaseWorkflow.RequestEvent, Request(LeaseRequest.Acquire, "jira:OPS-7", 30)),
            (TimeSpan.FromMinutes(2), FlowTraceLeaseWorkflow.RequestEvent, Request(LeaseRequest.Release, "servicenow:INC1")));

        // INC1 left at 2 min; OPS-7 holds until 31 min: off then, not at 2 min and not at 120 min.
        Assert.InRange(DisabledAfter(run), TimeSpan.FromMinutes(31), TimeSpan.FromMinutes(31).Add(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task When_every_holder_leaves_it_goes_off_at_once()
    {
        var log = new List<string>();

        HarnessRun run = await Run(FirstHolder(120), Switches(log),
            (TimeSpan.FromMinutes(3), FlowTraceLeaseWorkflow.RequestEvent, Request(LeaseRequest.Release, "servicenow:INC1")));

        Assert.InRange(DisabledAfter(run), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3).Add(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_request_arriving_just_as_the_last_holder_expires_keeps_it_on()
    {
        var log = new List<string>();

        HarnessRun run = await Run(FirstHolder(30), Switches(log),
            (TimeSpan.FromMinutes(30).Add(TimeSpan.FromSeconds(2)), FlowTraceLeaseWorkflow.RequestEvent, Request(LeaseRequest.Acquire, "jira:OPS-9", 15)));

        Assert.Equal(1, log.Count(l => l == "enable"));
        Assert.InRange(DisabledAfter(run), TimeSpan.FromMinutes(45), TimeSpan.FromMinutes(45).Add(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Many_extensions_trim_the_history_with_continue_as_new_and_keep_the_holders()
    {
        var log = new List<string>();
        (TimeSpan, string, object?)[] extensions = Enumerable.Range(1, 30)
            .Select(i => (TimeSpan.FromMinutes(i), FlowTraceLeaseWorkflow.RequestEvent, (object?)Request(LeaseRequest.Extend, "servicenow:INC1", 10)))
            .ToArray();

        HarnessRun run = await Run(FirstHolder(10), Switches(log), extensions);

        Assert.Equal(1, log.Count(l => l == "enable")); // the receipt travels into the next generation
        Assert.Equal(["disable with {\"createdSetting\":true}"], log.Where(l => l.StartsWith("disable", StringComparison.Ordinal)));
        Assert.InRange(DisabledAfter(run), TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(40).Add(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_enable_that_fails_is_reported_and_nothing_is_left_to_switch_off()
    {
        var log = new List<string>();
        Dictionary<string, Func<JsonElement, object?>> activities = Switches(log);
        activities[FlowTraceActivities.EnableFlowTrace] = _ => throw new PermanentFailureException("AuthorizationFailed: Microsoft.Insights/diagnosticSettings/write");

        HarnessRun run = await Run(FirstHolder(30), activities);

        Assert.Equal(["tell FlowTraceFailed"], log);
        FlowTraceLeaseOutcome outcome = JsonSerializer.Deserialize<FlowTraceLeaseOutcome>(run.Instance.SerializedOutput!, WorkflowSerializer.Options)!;
        Assert.False(outcome.WasEnabled);
        Assert.Contains("diagnosticSettings/write", outcome.Problem, StringComparison.Ordinal);
    }
}
