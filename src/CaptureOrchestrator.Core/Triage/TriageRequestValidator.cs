using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Core.Triage;

/// <summary>Validates a triage request: the capture part as any capture, the path and log parts here; fields are named as in the body.</summary>
public static class TriageRequestValidator
{
    public static Validated<TriageOperation> Validate(TriageRequest? request, RequestLimits limits, string operationId, CaptureTimings? timings = null)
    {
        if (request is null)
        {
            return new(null, [new FieldError("body", "a JSON triage request is required")], []);
        }

        var errors = new List<FieldError>();
        var forbidden = new List<FieldError>();
        PathCheck? path = ValidatePath(request.Path, limits, errors, forbidden);

        CaptureRequest capture = request.Capture ?? new CaptureRequest();
        if (capture.Targets is null or { Count: 0 } && request.Path?.VirtualMachineId is { } vm)
        {
            capture = capture with { Targets = [new CaptureTargetRequest(vm)] };
        }

        // A capture without a filter of its own keeps the conversation being triaged, so its findings
        // are about that 5-tuple (the verdict quotes them) and not about whatever else the VM did.
        // The service's port is the remote one outbound and the VM's own inbound; the other side's is ephemeral.
        if (capture.Filter is null && path is not null)
        {
            bool inbound = path.Direction == "Inbound";
            capture = capture with
            {
                Filter = new TrafficFilterRequest(
                    LocalIp: path.LocalIp,
                    RemoteIp: path.RemoteIp,
                    LocalPort: inbound ? path.LocalPort : null,
                    RemotePort: inbound ? null : path.RemotePort,
                    Protocol: path.Protocol is "TCP" or "UDP" ? path.Protocol : null),
            };
        }

        // The capture runs as the triage's sub-workflow, under its own id (its files and events are routed by it).
        Validated<CaptureOperation> captured = CaptureRequestValidator.Validate(capture, limits, operationId + "-capture", timings);
        errors.AddRange(captured.Errors.Select(e => e with { Field = "capture." + e.Field }));
        forbidden.AddRange(captured.Forbidden.Select(e => e with { Field = "capture." + e.Field }));

        Guid? workspace = null;
        if (request.WorkspaceId is not null)
        {
            if (Guid.TryParseExact(request.WorkspaceId, "D", out Guid parsed))
            {
                workspace = parsed;
            }
            else
            {
                errors.Add(new("workspaceId", "the workspace (customer) id, a GUID such as 63613592-b6f7-4c3d-a390-22ba13102111 — not the ARM id"));
            }
        }

        ArmResourceId? firewall = null;
        if (request.FirewallId is not null)
        {
            if (!ArmResourceId.TryParse(request.FirewallId, out firewall, out string? problem) || !firewall.IsOfType("Microsoft.Network/azureFirewalls"))
            {
                errors.Add(new("firewallId", problem ?? "not an Azure Firewall id"));
            }
            else if (!ScopeAllowlist.Contains(limits.AllowedScopes, firewall))
            {
                forbidden.Add(new("firewallId", $"{firewall} is outside the scopes this service may act on"));
            }
        }

        if (errors.Count > 0 || path is null)
        {
            return new(null, errors, []);
        }

        return forbidden.Count > 0
            ? new(null, [], forbidden)
            : new(new TriageOperation(captured.Value!, path, workspace, firewall), [], []);
    }

    private static PathCheck? ValidatePath(PathRequest? path, RequestLimits limits, List<FieldError> errors, List<FieldError> forbidden)
    {
        if (path is null)
        {
            errors.Add(new("path", "required: the 5-tuple to check, seen from the VM"));
            return null;
        }

        int before = errors.Count;
        ArmResourceId? vm = null;
        if (path.VirtualMachineId is null || !ArmResourceId.TryParse(path.VirtualMachineId, out vm, out _) || !vm.IsOfType("Microsoft.Compute/virtualMachines"))
        {
            errors.Add(new("path.virtualMachineId", "required: the id of the VM the checks run from"));
        }
        else if (!ScopeAllowlist.Contains(limits.AllowedScopes, vm))
        {
            forbidden.Add(new("path.virtualMachineId", $"{vm} is outside the scopes this service may act on"));
        }

        string direction = path.Direction?.ToLowerInvariant() switch
        {
            null or "outbound" => "Outbound",
            "inbound" => "Inbound",
            _ => Invalid("path.direction", "inbound or outbound"),
        };
        string protocol = path.Protocol?.ToUpperInvariant() switch
        {
            null or "TCP" => "TCP",
            "UDP" => "UDP",
            _ => Invalid("path.protocol", "tcp or udp"),
        };
        string? local = Address(path.LocalIp, "path.localIp");
        string? remote = Address(path.RemoteIp, "path.remoteIp");
        if (path.LocalPort is not null and not (>= 1 and <= 65535))
        {
            errors.Add(new("path.localPort", $"{path.LocalPort} is not a port 1-65535"));
        }

        if (path.RemotePort is not (>= 1 and <= 65535))
        {
            errors.Add(new("path.remotePort", "required: a port 1-65535"));
        }

        return errors.Count == before && vm is not null
            ? new PathCheck(vm, direction, protocol, local!, path.LocalPort, remote!, path.RemotePort!.Value)
            : null;

        string Invalid(string field, string allowed)
        {
            errors.Add(new(field, "must be " + allowed));
            return string.Empty;
        }

        string? Address(string? text, string field)
        {
            if (text is null)
            {
                errors.Add(new(field, "required: an IPv4 or IPv6 address"));
            }

            return CaptureRequestValidator.OptionalAddress(text, field, errors);
        }
    }
}
