using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Core.Tests.Requests;

public sealed class CaptureRequestValidatorTests
{
    private const string Sub = "/subscriptions/11111111-2222-3333-4444-555555555555";
    private const string Vm = Sub + "/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";
    private const string Gateway = Sub + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworkGateways/vpngw";
    private const string Firewall = Sub + "/resourceGroups/net/providers/Microsoft.Network/azureFirewalls/fw1";
    private const string Workspace = Sub + "/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/law1";

    private static readonly RequestLimits Limits = new()
    {
        AllowedScopes = [Sub + "/resourceGroups/app", Sub + "/resourceGroups/net", Sub + "/resourceGroups/ops"],
        AllowedCallbackHosts = ["tickets.example.com", "*.service-now.com"],
    };

    private static CaptureRequest Valid() => new()
    {
        Ticket = new TicketReference("servicenow", "INC0012345", "attempt-1"),
        Targets = [new CaptureTargetRequest(Vm), new CaptureTargetRequest(Gateway)],
        Filter = new TrafficFilterRequest(LocalIp: "10.0.0.4", RemotePort: 1433, Protocol: "tcp"),
        DurationSeconds = 300,
        FlowTrace = new FlowTraceLeaseRequest(Firewall, Workspace, 60),
        CallbackUrl = "https://acme.service-now.com/api/x_capture/callback",
    };

    [Fact]
    public void A_valid_request_becomes_the_workflow_input_with_kinds_and_defaults()
    {
        Validated<CaptureOperation> result = CaptureRequestValidator.Validate(Valid(), Limits, "op-1");

        Assert.True(result.IsValid);
        CaptureOperation operation = result.Value!;
        Assert.Equal([TargetKind.VirtualMachine, TargetKind.VpnGateway], operation.Targets.Select(t => t.Kind));
        Assert.Equal([0, 1], operation.Targets.Select(t => t.Index));
        Assert.Equal(new TrafficFilter("10.0.0.4", null, null, 1433, "TCP"), operation.Filter);
        Assert.Equal(Limits.MaxBytesPerTarget, operation.MaxBytesPerTarget);
        Assert.Equal("servicenow:INC0012345", operation.Ticket.ToString());
        Assert.Equal(60, operation.FlowTrace!.Minutes);
    }

    public static TheoryData<string, Func<CaptureRequest, CaptureRequest>> BadInput() => new()
    {
        { "ticket", r => r with { Ticket = null } },
        { "ticket.system", r => r with { Ticket = new TicketReference("Service Now", "INC1") } },
        { "ticket.id", r => r with { Ticket = new TicketReference("jira", "OPS-1\"; drop") } },
        { "targets", r => r with { Targets = [] } },
        { "targets", r => r with { Targets = Enumerable.Range(0, 11).Select(i => new CaptureTargetRequest($"{Sub}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm{i}")).ToArray() } },
        { "targets[0].resourceId", r => r with { Targets = [new CaptureTargetRequest("vm1")] } },
        { "targets[0].resourceId", r => r with { Targets = [new CaptureTargetRequest(Sub + "/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/st1")] } },
        { "targets[1].resourceId", r => r with { Targets = [new CaptureTargetRequest(Vm), new CaptureTargetRequest(Vm.ToUpperInvariant().Replace("SUBSCRIPTIONS", "subscriptions", StringComparison.Ordinal))] } },
        { "targets[0].instances", r => r with { Targets = [new CaptureTargetRequest(Vm, Instances: ["0"])] } },
        { "targets[0].linkConnections", r => r with { Targets = [new CaptureTargetRequest(Gateway, LinkConnections: ["link1"])] } },
        { "filter.localIp", r => r with { Filter = new TrafficFilterRequest(LocalIp: "10.0.0.4 or 1=1") } },
        { "filter.remotePort", r => r with { Filter = new TrafficFilterRequest(RemotePort: 70000) } },
        { "filter.protocol", r => r with { Filter = new TrafficFilterRequest(Protocol: "sctp") } },
        { "durationSeconds", r => r with { DurationSeconds = null } },
        { "durationSeconds", r => r with { DurationSeconds = 5 } },
        { "durationSeconds", r => r with { DurationSeconds = 3_601 } },
        { "maxBytesPerTarget", r => r with { MaxBytesPerTarget = (1L << 30) + 1 } },
        { "bytesPerPacket", r => r with { BytesPerPacket = 20 } },
        { "flowTrace.firewallId", r => r with { FlowTrace = new FlowTraceLeaseRequest(Vm, Workspace, 60) } },
        { "flowTrace.workspaceId", r => r with { FlowTrace = new FlowTraceLeaseRequest(Firewall, null, 60) } },
        { "flowTrace.minutes", r => r with { FlowTrace = new FlowTraceLeaseRequest(Firewall, Workspace, 100_000) } },
        { "callbackUrl", r => r with { CallbackUrl = "http://acme.service-now.com/cb" } },
        { "callbackUrl", r => r with { CallbackUrl = "https://169.254.169.254/metadata" } },
        { "callbackUrl", r => r with { CallbackUrl = "https://evil-service-now.com/cb" } },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Every_bad_field_is_refused_with_its_name(string field, Func<CaptureRequest, CaptureRequest> spoil)
    {
        Validated<CaptureOperation> result = CaptureRequestValidator.Validate(spoil(Valid()), Limits, "op-1");

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Field == field);
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
    }

    [Fact]
    public void A_firewall_target_caps_the_duration_at_what_firewall_captures_allow()
    {
        CaptureRequest request = Valid() with
        {
            Targets = [new CaptureTargetRequest(Firewall)],
            Filter = new TrafficFilterRequest(LocalIp: "10.0.0.4", RemoteIp: "10.2.0.20", RemotePort: 1433),
            DurationSeconds = 2_400,
        };

        Validated<CaptureOperation> result = CaptureRequestValidator.Validate(request, Limits with { MaxDurationSeconds = 7_200 }, "op-1");

        FieldError error = Assert.Single(result.Errors);
        Assert.Equal("durationSeconds", error.Field);
        Assert.Contains("Azure Firewall captures last at most 1800 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_firewall_target_needs_both_addresses_and_the_destination_port_each_named_once()
    {
        CaptureRequest request = Valid() with
        {
            Targets = [new CaptureTargetRequest(Vm), new CaptureTargetRequest(Firewall)],
            Filter = new TrafficFilterRequest(RemoteIp: "not-an-address"),
        };

        Validated<CaptureOperation> result = CaptureRequestValidator.Validate(request, Limits, "op-1");
        Validated<CaptureOperation> vmOnly = CaptureRequestValidator.Validate(request with { Targets = [new CaptureTargetRequest(Vm)], Filter = new TrafficFilterRequest(LocalIp: "10.0.0.4") }, Limits, "op-1");

        Assert.Equal(["filter.remoteIp", "filter.localIp", "filter.remotePort"], result.Errors.Select(e => e.Field));
        Assert.Contains("not an IPv4 or IPv6 address", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.All(result.Errors.Skip(1), e => Assert.Contains("Azure Firewall (targets[1])", e.Message, StringComparison.Ordinal));
        Assert.True(vmOnly.IsValid);
    }

    [Fact]
    public void Targets_outside_the_allowed_scopes_are_forbidden_not_invalid()
    {
        string elsewhere = "/subscriptions/99999999-2222-3333-4444-555555555555/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";
        string lookalike = Sub + "/resourceGroups/app2/providers/Microsoft.Compute/virtualMachines/vm1";

        Validated<CaptureOperation> result = CaptureRequestValidator.Validate(
            Valid() with { Targets = [new CaptureTargetRequest(elsewhere), new CaptureTargetRequest(lookalike)] }, Limits, "op-1");

        Assert.False(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.Equal(["targets[0].resourceId", "targets[1].resourceId"], result.Forbidden.Select(f => f.Field));
    }

    [Fact]
    public void Nothing_is_allowed_when_no_scope_is_configured()
    {
        Validated<CaptureOperation> result = CaptureRequestValidator.Validate(Valid(), Limits with { AllowedScopes = [] }, "op-1");

        Assert.NotEmpty(result.Forbidden);
    }

    [Fact]
    public void A_stand_alone_flow_trace_lease_is_validated_the_same_way()
    {
        Validated<FlowTraceLease> ok = CaptureRequestValidator.ValidateFlowTrace(new FlowTraceLeaseRequest(Firewall, Workspace, null), Limits);
        Validated<FlowTraceLease> bad = CaptureRequestValidator.ValidateFlowTrace(new FlowTraceLeaseRequest(Firewall, Workspace, 4), Limits);

        Assert.Equal(60, ok.Value!.Minutes);
        Assert.Equal("minutes", Assert.Single(bad.Errors).Field);
    }
}
