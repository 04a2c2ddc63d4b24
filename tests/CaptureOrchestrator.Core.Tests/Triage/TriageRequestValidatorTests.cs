using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Triage;

namespace CaptureOrchestrator.Core.Tests.Triage;

public sealed class TriageRequestValidatorTests
{
    private const string Sub = "/subscriptions/11111111-2222-3333-4444-555555555555";
    private const string Vm = Sub + "/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";
    private static readonly RequestLimits Limits = new() { AllowedScopes = [Sub + "/resourceGroups/app"] };

    private static TriageRequest Valid() => new()
    {
        Capture = new CaptureRequest { Ticket = new TicketReference("jira", "OPS-2"), DurationSeconds = 60 },
        Path = new PathRequest(Vm, "outbound", "tcp", "10.1.0.4", null, "10.2.0.20", 1433),
        WorkspaceId = "63613592-b6f7-4c3d-a390-22ba13102111",
    };

    [Fact]
    public void Without_targets_the_capture_runs_on_the_path_s_vm_under_its_own_operation_id()
    {
        Validated<TriageOperation> result = TriageRequestValidator.Validate(Valid(), Limits, "tr-1");

        TriageOperation triage = result.Value!;
        Assert.Equal(Vm, triage.Capture.Targets.Single().ResourceId.ToString());
        Assert.Equal("tr-1-capture", triage.Capture.OperationId);
        Assert.Equal(("Outbound", "TCP", 1433), (triage.Path.Direction, triage.Path.Protocol, triage.Path.RemotePort));
    }

    [Fact]
    public void A_capture_without_its_own_filter_keeps_the_triaged_conversation_with_the_service_port_on_the_right_side()
    {
        TrafficFilter outbound = TriageRequestValidator.Validate(Valid(), Limits, "tr-1").Value!.Capture.Filter;
        TrafficFilter inbound = TriageRequestValidator.Validate(Valid() with { Path = new PathRequest(Vm, "inbound", "tcp", "10.1.0.4", 3389, "203.0.113.9", 50123) }, Limits, "tr-2").Value!.Capture.Filter;
        TrafficFilter own = TriageRequestValidator.Validate(Valid() with { Capture = Valid().Capture! with { Filter = new TrafficFilterRequest(RemoteIp: "10.9.9.9") } }, Limits, "tr-3").Value!.Capture.Filter;

        Assert.Equal(new TrafficFilter("10.1.0.4", "10.2.0.20", null, 1433, "TCP"), outbound);
        Assert.Equal(new TrafficFilter("10.1.0.4", "203.0.113.9", 3389, null, "TCP"), inbound);
        Assert.Equal("10.9.9.9", own.RemoteIp); // the caller's filter stands
        Assert.Null(own.RemotePort);
    }

    [Theory]
    [InlineData("path.remotePort")]
    [InlineData("path.localIp")]
    [InlineData("path.direction")]
    [InlineData("workspaceId")]
    [InlineData("capture.durationSeconds")]
    public void Bad_fields_are_named_with_their_path_in_the_body(string field)
    {
        TriageRequest request = Valid();
        request = field switch
        {
            "path.remotePort" => request with { Path = request.Path! with { RemotePort = null } },
            "path.localIp" => request with { Path = request.Path! with { LocalIp = "10.1.0.4; drop" } },
            "path.direction" => request with { Path = request.Path! with { Direction = "sideways" } },
            "workspaceId" => request with { WorkspaceId = Sub + "/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/law1" },
            _ => request with { Capture = request.Capture! with { DurationSeconds = 1 } },
        };

        Validated<TriageOperation> result = TriageRequestValidator.Validate(request, Limits, "tr-1");

        Assert.Contains(result.Errors, e => e.Field == field);
    }

    [Fact]
    public void A_vm_outside_the_scopes_is_forbidden()
    {
        string other = Sub + "/resourceGroups/payments/providers/Microsoft.Compute/virtualMachines/db1";

        Validated<TriageOperation> result = TriageRequestValidator.Validate(Valid() with { Path = Valid().Path! with { VirtualMachineId = other } }, Limits, "tr-1");

        Assert.Contains(result.Forbidden, e => e.Field == "path.virtualMachineId");
    }
}
