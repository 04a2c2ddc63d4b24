using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Core.Alerts;

/// <summary>
/// Which alerts start a capture, and which capture (configuration: CaptureOrchestrator:Alerts:Policies).
/// An alert matches the first policy that names its rule and accepts its signal type and target type.
/// </summary>
public sealed class CapturePolicy
{
    /// <summary>Named in reports, logs and refusals.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Alert rules this policy answers, each by name (essentials.alertRule) or ARM id (essentials.alertRuleID); case-insensitive.</summary>
    public List<string> Rules { get; set; } = [];

    /// <summary>Signal types it answers ("Metric", "Log", "Activity Log"); empty: any.</summary>
    public List<string> SignalTypes { get; set; } = [];

    /// <summary>
    /// Resource types of the alert's targets it answers (for example Microsoft.Compute/virtualMachines,
    /// Microsoft.Network/networkWatchers/connectionMonitors); empty: any that can be captured.
    /// </summary>
    public List<string> TargetTypes { get; set; } = [];

    /// <summary>How long each capture runs.</summary>
    public int DurationSeconds { get; set; } = 120;

    /// <summary>Which traffic to keep; a Connection Monitor test's destination fills what this leaves open.</summary>
    public TrafficFilterRequest? Filter { get; set; }

    /// <summary>Post the verdict to the Teams webhook (when one is configured).</summary>
    public bool Teams { get; set; } = true;

    /// <summary>Where the signed result callback goes (an allowlisted host), if anywhere.</summary>
    public string? CallbackUrl { get; set; }

    /// <summary>Captures this policy may start per rule in any hour; alerts over the cap are refused with 429.</summary>
    public int MaxCapturesPerHour { get; set; } = 4;

    /// <summary>Whether the policy answers this alert.</summary>
    public bool Matches(CommonAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        bool rule = Rules.Any(r => string.Equals(r, alert.Rule, StringComparison.OrdinalIgnoreCase) || string.Equals(r, alert.RuleId, StringComparison.OrdinalIgnoreCase));
        bool signal = SignalTypes.Count == 0 || SignalTypes.Contains(alert.SignalType, StringComparer.OrdinalIgnoreCase);
        bool target = TargetTypes.Count == 0 || alert.TargetIds.Any(id => Resources.ArmResourceId.TryParse(id, out Resources.ArmResourceId? parsed, out _)
            && TargetTypes.Any(t => parsed.IsOfType(t)));
        return rule && signal && target;
    }

    /// <summary>The configuration problems of a policy (checked at start-up), each naming its setting.</summary>
    public IEnumerable<string> Problems(int index)
    {
        string at = $"CaptureOrchestrator:Alerts:Policies:{index}";
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return $"{at}:Name is required";
        }

        if (Rules.Count == 0)
        {
            yield return $"{at}:Rules must name at least one alert rule (name or ARM id)";
        }

        if (MaxCapturesPerHour < 1)
        {
            yield return $"{at}:MaxCapturesPerHour must be at least 1";
        }
    }
}
