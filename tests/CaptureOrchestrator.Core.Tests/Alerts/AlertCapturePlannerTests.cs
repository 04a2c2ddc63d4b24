using System.Text;
using CaptureOrchestrator.Core.Alerts;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Core.Tests.Alerts;

/// <summary>The alert → capture rules the HTTP tests do not reach: workspaces, filters the policy fixes, field renaming, lenient parsing.</summary>
public sealed class AlertCapturePlannerTests
{
    private const string Sub = "11111111-2222-3333-4444-555555555555";
    private const string Vm = $"/subscriptions/{Sub}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";
    private const string Workspace = $"/subscriptions/{Sub}/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/logs";
    private const string Monitor = $"/subscriptions/{Sub}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/nw/connectionMonitors/cm";

    [Fact]
    public void A_log_search_alert_on_a_workspace_captures_the_resource_its_rows_were_split_by()
    {
        CommonAlert alert = Alert([Workspace], ("Computer", "vm1"), ("_ResourceId", Vm.ToLowerInvariant()));

        AlertCapturePlan plan = AlertCapturePlanner.Plan(alert, Policy()).Value!;

        Assert.Equal(Vm, Assert.Single(plan.Request.Targets!).ResourceId, ignoreCase: true);
        Assert.Equal("data.alertContext.condition.allOf[].dimensions[_ResourceId]", Assert.Single(plan.SourceOfTarget));
    }

    [Fact]
    public void An_alert_on_one_scale_set_instance_captures_the_scale_set_on_that_instance()
    {
        CommonAlert alert = Alert([$"/subscriptions/{Sub}/resourceGroups/app/providers/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/3"]);

        CaptureTargetRequest target = Assert.Single(AlertCapturePlanner.Plan(alert, Policy()).Value!.Request.Targets!);

        Assert.Equal($"/subscriptions/{Sub}/resourceGroups/app/providers/Microsoft.Compute/virtualMachineScaleSets/web", target.ResourceId);
        Assert.Equal(["3"], target.Instances);
    }

    [Fact]
    public void A_workspace_alert_without_a_resource_dimension_is_refused_naming_the_target()
    {
        Validated<AlertCapturePlan> plan = AlertCapturePlanner.Plan(Alert([Workspace], ("Computer", "vm1")), Policy());

        FieldError error = Assert.Single(plan.Errors);
        Assert.Equal("data.essentials.alertTargetIDs[0]", error.Field);
        Assert.Contains("Microsoft.OperationalInsights/workspaces cannot be captured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_policy_filter_wins_over_the_connection_monitor_destination_and_icmp_tests_leave_the_protocol_open()
    {
        CommonAlert alert = Alert([Monitor], ("SourceResourceId", Vm), ("DestinationAddress", "sql.contoso.internal"), ("DestinationIP", "10.2.0.20"), ("DestinationPort", "1433"), ("Protocol", "Icmp"));
        CapturePolicy policy = Policy();
        policy.Filter = new TrafficFilterRequest(RemotePort: 443);

        TrafficFilterRequest filter = AlertCapturePlanner.Plan(alert, policy).Value!.Request.Filter!;

        Assert.Equal("10.2.0.20", filter.RemoteIp); // the IP, not the name
        Assert.Equal(443, filter.RemotePort); // the policy's
        Assert.Null(filter.Protocol);
    }

    [Fact]
    public void Refusals_of_the_built_request_name_the_payload_field_or_the_policy_setting()
    {
        AlertCapturePlan plan = AlertCapturePlanner.Plan(Alert([Vm]), Policy()).Value!;

        Assert.Equal("data.essentials.alertTargetIDs[0]", plan.InPayloadTerms(new FieldError("targets[0].resourceId", "x"), 3).Field);
        Assert.Equal("data.essentials.alertId", plan.InPayloadTerms(new FieldError("ticket.id", "x"), 3).Field);
        Assert.Equal("CaptureOrchestrator:Alerts:Policies:3:durationSeconds", plan.InPayloadTerms(new FieldError("durationSeconds", "x"), 3).Field);
    }

    [Fact]
    public void Fields_the_schema_gains_later_are_accepted_and_non_strings_where_strings_belong_are_named()
    {
        const string Payload = """
            {"schemaId":"azureMonitorCommonAlertSchema","newTopLevel":{"x":1},
             "data":{"essentials":{"alertId":"/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1","alertRule":"r","signalType":"Metric",
               "monitorCondition":"Fired","firedDateTime":"2026-12-07T09:30:00.123Z","alertTargetIDs":["/subscriptions/s/x", 7],"investigationLink":"https://portal"},
               "alertContext":null,"customProperties":{"k":"v"}}}
            """;

        Validated<CommonAlert> parsed = CommonAlertSchema.Parse(Encoding.UTF8.GetBytes(Payload));

        FieldError error = Assert.Single(parsed.Errors);
        Assert.Equal("data.essentials.alertTargetIDs[1]", error.Field);
    }

    [Fact]
    public void A_policy_matches_by_rule_name_or_id_signal_and_target_type_only()
    {
        CapturePolicy policy = Policy();
        policy.Rules = ["VM Unreachable", "/subscriptions/s/resourceGroups/m/providers/Microsoft.Insights/metricAlerts/other"];
        policy.SignalTypes = ["Metric"];
        policy.TargetTypes = ["Microsoft.Compute/virtualMachines"];

        Assert.True(policy.Matches(Alert([Vm]) with { Rule = "vm unreachable" }));
        Assert.True(policy.Matches(Alert([Vm]) with { Rule = "renamed", RuleId = "/subscriptions/s/resourceGroups/m/providers/Microsoft.Insights/metricAlerts/OTHER" }));
        Assert.False(policy.Matches(Alert([Vm]) with { Rule = "vm unreachable", SignalType = "Log" }));
        Assert.False(policy.Matches(Alert([Workspace]) with { Rule = "vm unreachable" }));
        Assert.False(policy.Matches(Alert([Vm]) with { Rule = "cpu high" }));
    }

    private static CapturePolicy Policy() => new() { Name = "p", Rules = ["r"], DurationSeconds = 60 };

    private static CommonAlert Alert(string[] targets, params (string Name, string Value)[] dimensions) => new(
        $"/subscriptions/{Sub}/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}", "r", null, "Sev3", "Metric", "Platform", AlertCondition.Fired,
        new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero), targets, [.. dimensions.Select(d => new AlertDimension(d.Name, d.Value))]);
}
