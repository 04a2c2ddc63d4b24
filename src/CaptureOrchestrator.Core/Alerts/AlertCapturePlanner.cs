using System.Globalization;
using System.Net;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Core.Alerts;

/// <summary>A capture request built from an alert, and where each of its targets came from in the payload.</summary>
/// <param name="Request">The capture request, validated like a ticket system's.</param>
/// <param name="Alert">What the operation records of the alert.</param>
/// <param name="SourceOfTarget">For targets[i]: the payload field it was derived from (refusals name that field).</param>
public sealed record AlertCapturePlan(CaptureRequest Request, AlertReference Alert, IReadOnlyList<string> SourceOfTarget)
{
    /// <summary>A validation error of the capture request, renamed to the payload field or policy setting it came from.</summary>
    public FieldError InPayloadTerms(FieldError error, int policyIndex)
    {
        ArgumentNullException.ThrowIfNull(error);
        string field = error.Field;
        if (field.StartsWith("targets[", StringComparison.Ordinal) && int.TryParse(field.AsSpan(8, field.IndexOf(']', StringComparison.Ordinal) - 8), CultureInfo.InvariantCulture, out int index) && index < SourceOfTarget.Count)
        {
            return error with { Field = SourceOfTarget[index] };
        }

        if (field.StartsWith("ticket", StringComparison.Ordinal))
        {
            return error with { Field = "data.essentials.alertId" }; // the ticket is the alert
        }

        // Everything else of the request comes from the policy's configuration.
        return error with { Field = $"CaptureOrchestrator:Alerts:Policies:{policyIndex}:{field}" };
    }
}

/// <summary>
/// Turns an alert into the capture its policy asks for, like a runbook: the ticket is the alert,
/// the targets are the resources it fired on (a Connection Monitor test's source endpoint; a log
/// search alert's resource dimension when it fired on a workspace), the filter is the policy's,
/// completed by the test's destination.
/// </summary>
public static class AlertCapturePlanner
{
    /// <summary>The ticket system alert operations are filed under.</summary>
    public const string TicketSystem = "azure-monitor";

    private const string ConnectionMonitorType = "Microsoft.Network/networkWatchers/connectionMonitors";

    public static Validated<AlertCapturePlan> Plan(CommonAlert alert, CapturePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new List<FieldError>();
        var targets = new List<CaptureTargetRequest>();
        var sources = new List<string>();
        TrafficFilterRequest filter = policy.Filter ?? new TrafficFilterRequest();
        for (int i = 0; i < alert.TargetIds.Count; i++)
        {
            string field = $"data.essentials.alertTargetIDs[{i}]";
            if (!ArmResourceId.TryParse(alert.TargetIds[i], out ArmResourceId? id, out string? why))
            {
                errors.Add(new(field, $"not an ARM resource id: {why}"));
                continue;
            }

            // 1. A resource that can be captured is the target itself.
            if (TargetKinds.TryClassify(id, out _))
            {
                targets.Add(new CaptureTargetRequest(id.ToString()));
                sources.Add(field);
                continue;
            }

            // 2. One instance of a scale set (instance-level alerts): capture the scale set on that instance only.
            if (id.IsOfType("Microsoft.Compute/virtualMachineScaleSets/virtualMachines") && id.Parent is { } scaleSet)
            {
                targets.Add(new CaptureTargetRequest(scaleSet.ToString(), Instances: [id.Name]));
                sources.Add(field);
                continue;
            }

            // 3. A Connection Monitor test: capture at its source endpoint, toward its destination.
            if (id.IsOfType(ConnectionMonitorType))
            {
                if (Dimension(alert, "SourceResourceId") is { } source)
                {
                    targets.Add(new CaptureTargetRequest(source));
                    sources.Add("data.alertContext.condition.allOf[].dimensions[SourceResourceId]");
                    filter = WithDestination(filter, alert);
                }
                else
                {
                    errors.Add(new("data.alertContext.condition.allOf[].dimensions", $"the Connection Monitor alert on {id.Name} does not name its source: split the alert rule by the SourceResourceId dimension"));
                }

                continue;
            }

            // 4. A log search alert on a workspace names the resource in a dimension.
            if (ResourceDimension(alert) is { } resource)
            {
                targets.Add(new CaptureTargetRequest(resource));
                sources.Add("data.alertContext.condition.allOf[].dimensions[_ResourceId]");
                continue;
            }

            errors.Add(new(field, $"{id.ResourceType} cannot be captured: alerts start captures on VMs, scale sets, VPN gateways and connections, Azure Firewalls, Connection Monitor tests (at their source), and log search alerts split by _ResourceId"));
        }

        if (targets.Count == 0 && errors.Count == 0)
        {
            errors.Add(new("data.essentials.alertTargetIDs", "the alert names no resource to capture on"));
        }

        if (errors.Count > 0)
        {
            return new(null, errors, []);
        }

        var reference = new AlertReference(alert.AlertId, alert.Rule, alert.RuleId, alert.Severity, alert.SignalType, alert.FiredAt, policy.Name);
        var request = new CaptureRequest
        {
            // One operation per firing: a notification delivered twice finds the operation it started.
            Ticket = new TicketReference(TicketSystem, alert.AlertId[(alert.AlertId.LastIndexOf('/') + 1)..], alert.FiredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)),
            Targets = targets,
            Filter = filter,
            DurationSeconds = policy.DurationSeconds,
            CallbackUrl = policy.CallbackUrl,
        };
        return new(new AlertCapturePlan(request, reference, sources), [], []);
    }

    /// <summary>The test's destination where the policy's filter leaves it open.</summary>
    private static TrafficFilterRequest WithDestination(TrafficFilterRequest filter, CommonAlert alert)
    {
        string? address = Dimension(alert, "DestinationIP") ?? Dimension(alert, "DestinationAddress");
        int? port = int.TryParse(Dimension(alert, "DestinationPort"), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : null;
        string? protocol = Dimension(alert, "Protocol")?.ToLowerInvariant() is "tcp" or "icmp" or "udp" ? Dimension(alert, "Protocol")!.ToLowerInvariant() : null;
        return filter with
        {
            RemoteIp = filter.RemoteIp ?? (IPAddress.TryParse(address, out _) ? address : null),
            RemotePort = filter.RemotePort ?? port,
            Protocol = filter.Protocol ?? (protocol == "icmp" ? null : protocol),
        };
    }

    private static string? Dimension(CommonAlert alert, string name) =>
        alert.Dimensions.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    private static string? ResourceDimension(CommonAlert alert) =>
        alert.Dimensions.Where(d => d.Name is "_ResourceId" or "ResourceId" or "_resourceId")
            .Select(d => d.Value)
            .FirstOrDefault(v => ArmResourceId.TryParse(v, out ArmResourceId? id, out _) && TargetKinds.TryClassify(id, out _));
}
