using System.Text.RegularExpressions;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Core.Requests;

/// <summary>
/// Checks a capture or flow-trace request against the service limits and the operator's
/// configuration, and turns it into the workflow's input. Every problem names its field.
/// </summary>
public static partial class CaptureRequestValidator
{
    /// <summary>Azure Firewall captures last 30–1800 s (FACTS.md (d)).</summary>
    public const int MaxFirewallCaptureSeconds = 1_800;

    /// <summary>Network Watcher sessions last at most 18,000 s.</summary>
    public const int MaxNetworkWatcherSeconds = 18_000;

    public static Validated<CaptureOperation> Validate(CaptureRequest? request, RequestLimits limits, string operationId, CaptureTimings? timings = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new List<FieldError>();
        var forbidden = new List<FieldError>();
        if (request is null)
        {
            return new(null, [new FieldError("body", "a JSON capture request is required")], []);
        }

        TicketKey? ticket = ValidateTicket(request.Ticket, errors);
        List<CaptureTarget> targets = ValidateTargets(request.Targets, limits, errors, forbidden);
        TrafficFilter filter = ValidateFilter(request.Filter, errors);
        if (targets.FirstOrDefault(t => t.Kind == TargetKind.Firewall) is { } firewall)
        {
            errors.AddRange(filter.MissingForFirewall().Where(field => errors.All(e => e.Field != field)).Select(field =>
                new FieldError(field, $"required when capturing on an Azure Firewall (targets[{firewall.Index}]): it captures between given addresses, to a given destination port")));
        }

        int duration = request.DurationSeconds ?? 0;
        int maxDuration = targets.Any(t => t.Kind == TargetKind.Firewall)
            ? Math.Min(limits.MaxDurationSeconds, MaxFirewallCaptureSeconds)
            : Math.Min(limits.MaxDurationSeconds, MaxNetworkWatcherSeconds);
        if (request.DurationSeconds is null)
        {
            errors.Add(new("durationSeconds", "required: how long to capture, in seconds"));
        }
        else if (duration < limits.MinDurationSeconds || duration > maxDuration)
        {
            string why = maxDuration == MaxFirewallCaptureSeconds && limits.MaxDurationSeconds > MaxFirewallCaptureSeconds ? " (Azure Firewall captures last at most 1800 s)" : string.Empty;
            errors.Add(new("durationSeconds", $"{duration} is outside {limits.MinDurationSeconds}..{maxDuration}{why}"));
        }

        long maxBytes = request.MaxBytesPerTarget ?? limits.MaxBytesPerTarget;
        if (maxBytes < 1 || maxBytes > limits.MaxBytesPerTarget)
        {
            errors.Add(new("maxBytesPerTarget", $"{maxBytes} is outside 1..{limits.MaxBytesPerTarget}"));
        }

        int bytesPerPacket = request.BytesPerPacket ?? 0;
        if (bytesPerPacket < 0 || (bytesPerPacket is > 0 and < 34))
        {
            errors.Add(new("bytesPerPacket", $"{bytesPerPacket}: use 0 for whole packets, or at least 34 (Ethernet + IPv4 headers)"));
        }

        bool path = request.Path ?? false;
        if (path && (request.Targets?.Count ?? 0) < 2)
        {
            errors.Add(new("path", "a path needs at least two targets, listed in path order (client side first)"));
        }

        FlowTraceLease? flowTrace = request.FlowTrace is null ? null : ValidateFlowTrace(request.FlowTrace, "flowTrace.", limits, errors, forbidden);
        Uri? callback = ValidateCallback(request.CallbackUrl, limits, errors);

        if (errors.Count > 0 || ticket is null)
        {
            return new(null, errors, []);
        }

        if (forbidden.Count > 0)
        {
            return new(null, [], forbidden);
        }

        var operation = new CaptureOperation
        {
            OperationId = operationId,
            Ticket = ticket,
            Targets = targets,
            Filter = filter,
            DurationSeconds = duration,
            MaxBytesPerTarget = maxBytes,
            BytesPerPacket = bytesPerPacket,
            FlowTrace = flowTrace,
            CallbackUrl = callback,
            Path = path,
            Timings = timings ?? new CaptureTimings(),
        };
        return new(operation, [], []);
    }

    /// <summary>Validates a stand-alone flow-trace lease (POST /api/flowtrace).</summary>
    public static Validated<FlowTraceLease> ValidateFlowTrace(FlowTraceLeaseRequest? request, RequestLimits limits)
    {
        var errors = new List<FieldError>();
        var forbidden = new List<FieldError>();
        if (request is null)
        {
            return new(null, [new FieldError("body", "a JSON flow-trace request is required")], []);
        }

        FlowTraceLease? lease = ValidateFlowTrace(request, string.Empty, limits, errors, forbidden);
        return errors.Count > 0 ? new(null, errors, []) : forbidden.Count > 0 ? new(null, [], forbidden) : new(lease, [], []);
    }

    /// <summary>Validates the ticket part alone (flow-trace calls carry one too).</summary>
    public static TicketKey? ValidateTicket(TicketReference? ticket, List<FieldError> errors)
    {
        if (ticket is null)
        {
            errors.Add(new("ticket", "required: {\"system\", \"id\"} of the ticket this evidence is for"));
            return null;
        }

        int before = errors.Count;
        if (ticket.System is null || !SystemName().IsMatch(ticket.System))
        {
            errors.Add(new("ticket.system", "required: lower-case letters, digits and '-', 2–32 characters (e.g. \"servicenow\")"));
        }

        if (ticket.Id is null || !TicketText().IsMatch(ticket.Id))
        {
            errors.Add(new("ticket.id", "required: 1–64 letters, digits or . _ : - (e.g. \"INC0012345\")"));
        }

        if (ticket.ClientRequestId is not null && !TicketText().IsMatch(ticket.ClientRequestId))
        {
            errors.Add(new("ticket.clientRequestId", "1–64 letters, digits or . _ : -"));
        }

        return errors.Count == before ? new TicketKey(ticket.System!, ticket.Id!, ticket.ClientRequestId) : null;
    }

    private static List<CaptureTarget> ValidateTargets(IReadOnlyList<CaptureTargetRequest>? requested, RequestLimits limits, List<FieldError> errors, List<FieldError> forbidden)
    {
        var targets = new List<CaptureTarget>();
        if (requested is null || requested.Count == 0)
        {
            errors.Add(new("targets", "at least one target resource id is required"));
            return targets;
        }

        if (requested.Count > limits.MaxTargets)
        {
            errors.Add(new("targets", $"{requested.Count} targets; at most {limits.MaxTargets} per request"));
            return targets;
        }

        for (int i = 0; i < requested.Count; i++)
        {
            string field = $"targets[{i}]";
            CaptureTargetRequest target = requested[i];
            if (!TryParseId(target.ResourceId, field + ".resourceId", errors, out ArmResourceId? id))
            {
                continue;
            }

            if (!TargetKinds.TryClassify(id, out TargetKind kind))
            {
                errors.Add(new(field + ".resourceId", $"a {id.ResourceType} cannot be captured on; supported: {string.Join(", ", TargetKinds.SupportedTypes)}"));
                continue;
            }

            if (targets.Any(t => t.ResourceId.Equals(id)))
            {
                errors.Add(new(field + ".resourceId", "the same target is listed twice"));
                continue;
            }

            IReadOnlyList<string> instances = target.Instances ?? [];
            if (instances.Count > 0 && kind != TargetKind.ScaleSet)
            {
                errors.Add(new(field + ".instances", "instance ids only apply to a virtual machine scale set"));
            }
            else if (instances.FirstOrDefault(s => !InstanceId().IsMatch(s)) is { } badInstance)
            {
                errors.Add(new(field + ".instances", $"'{InputText.Quote(badInstance, 20)}' is not a scale set instance id (digits)"));
            }

            IReadOnlyList<string> links = target.LinkConnections ?? [];
            if (links.Count > 0 && kind != TargetKind.VirtualWanConnection)
            {
                errors.Add(new(field + ".linkConnections", "link connections only apply to a Virtual WAN VPN connection"));
            }
            else if (links.FirstOrDefault(l => !ResourceName().IsMatch(l)) is { } badLink)
            {
                errors.Add(new(field + ".linkConnections", $"'{InputText.Quote(badLink, 40)}' is not a link connection name"));
            }

            CheckScope(id, field + ".resourceId", limits, forbidden);
            targets.Add(new CaptureTarget(i, id, kind, instances, links));
        }

        return targets;
    }

    private static TrafficFilter ValidateFilter(TrafficFilterRequest? filter, List<FieldError> errors)
    {
        if (filter is null)
        {
            return TrafficFilter.Any;
        }

        int? Port(int? port, string field)
        {
            if (port is null or (>= 1 and <= 65535))
            {
                return port;
            }

            errors.Add(new(field, $"{port} is not a port 1-65535"));
            return null;
        }

        string protocol = (filter.Protocol ?? "any").ToUpperInvariant() switch
        {
            "TCP" => "TCP",
            "UDP" => "UDP",
            "ANY" => "Any",
            _ => Invalid(),
        };

        string Invalid()
        {
            errors.Add(new("filter.protocol", $"'{InputText.Quote(filter.Protocol ?? string.Empty, 20)}' is not tcp, udp or any"));
            return "Any";
        }

        return new TrafficFilter(OptionalAddress(filter.LocalIp, "filter.localIp", errors), OptionalAddress(filter.RemoteIp, "filter.remoteIp", errors),
            Port(filter.LocalPort, "filter.localPort"), Port(filter.RemotePort, "filter.remotePort"), protocol);
    }

    /// <summary>An address in its canonical text, or null (absent, or wrong and reported under <paramref name="field"/>).</summary>
    internal static string? OptionalAddress(string? text, string field, List<FieldError> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (NetworkText.TryParseAddress(text, out System.Net.IPAddress? address))
        {
            return address.ToString();
        }

        errors.Add(new(field, $"'{InputText.Quote(text, 60)}' is not an IPv4 or IPv6 address"));
        return null;
    }

    private static FlowTraceLease? ValidateFlowTrace(FlowTraceLeaseRequest request, string prefix, RequestLimits limits, List<FieldError> errors, List<FieldError> forbidden)
    {
        bool firewallOk = TryParseId(request.FirewallId, prefix + "firewallId", errors, out ArmResourceId? firewall);
        if (firewallOk && !firewall!.IsOfType("Microsoft.Network/azureFirewalls"))
        {
            errors.Add(new(prefix + "firewallId", $"a {firewall.ResourceType} is not an Azure Firewall"));
            firewallOk = false;
        }

        bool workspaceOk = TryParseId(request.WorkspaceId, prefix + "workspaceId", errors, out ArmResourceId? workspace);
        if (workspaceOk && !workspace!.IsOfType("Microsoft.OperationalInsights/workspaces"))
        {
            errors.Add(new(prefix + "workspaceId", $"a {workspace.ResourceType} is not a Log Analytics workspace"));
            workspaceOk = false;
        }

        int minutes = request.Minutes ?? 60;
        if (minutes < 5 || minutes > limits.MaxFlowTraceMinutes)
        {
            errors.Add(new(prefix + "minutes", $"{minutes} is outside 5..{limits.MaxFlowTraceMinutes}"));
        }

        if (!firewallOk || !workspaceOk)
        {
            return null;
        }

        CheckScope(firewall!, prefix + "firewallId", limits, forbidden);
        CheckScope(workspace!, prefix + "workspaceId", limits, forbidden);
        return new FlowTraceLease(firewall!, workspace!, minutes);
    }

    private static Uri? ValidateCallback(string? text, RequestLimits limits, List<FieldError> errors)
    {
        if (text is null)
        {
            return null;
        }

        // Plain http only to this machine (a local ticket-system stand-in); anything else must be https.
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? url) || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
            || !string.IsNullOrEmpty(url.UserInfo) || text.Length > 2048)
        {
            errors.Add(new("callbackUrl", "must be an absolute https URL without credentials, at most 2048 characters"));
            return null;
        }

        if (!HostAllowlist.Allows(limits.AllowedCallbackHosts, url.Host))
        {
            errors.Add(new("callbackUrl", $"host '{InputText.Quote(url.Host, 80)}' is not on the callback allowlist"));
            return null;
        }

        return url;
    }

    private static bool TryParseId(string? text, string field, List<FieldError> errors, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ArmResourceId? id)
    {
        id = null;
        if (string.IsNullOrEmpty(text))
        {
            errors.Add(new(field, "required: an Azure resource id"));
            return false;
        }

        if (!ArmResourceId.TryParse(text, out id, out string? problem))
        {
            errors.Add(new(field, problem));
            return false;
        }

        return true;
    }

    private static void CheckScope(ArmResourceId id, string field, RequestLimits limits, List<FieldError> forbidden)
    {
        if (!ScopeAllowlist.Contains(limits.AllowedScopes, id))
        {
            string allowed = limits.AllowedScopes.Count == 0 ? "none is allowed yet" : $"{limits.AllowedScopes.Count} scope(s) are allowed";
            forbidden.Add(new(field, $"{id} is outside the scopes this service may act on ({allowed}; the operator lists them in the setting Limits:AllowedScopes)"));
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,31}$")]
    private static partial Regex SystemName();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex TicketText();

    [GeneratedRegex("^[0-9]{1,10}$")]
    private static partial Regex InstanceId();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")]
    private static partial Regex ResourceName();
}
