namespace CaptureOrchestrator.Core.Alerts;

/// <summary>The alert an operation was started by: carried to the report, the card, the note and the callback.</summary>
/// <param name="AlertId">essentials.alertId (the alert instance's ARM id).</param>
/// <param name="Rule">essentials.alertRule.</param>
/// <param name="RuleId">essentials.alertRuleID, when the payload has it.</param>
/// <param name="Severity">Sev0..Sev4.</param>
/// <param name="SignalType">Metric, Log, Activity Log.</param>
/// <param name="FiredAt">essentials.firedDateTime.</param>
/// <param name="Policy">The capture policy that answered it.</param>
public sealed record AlertReference(string AlertId, string Rule, string? RuleId, string Severity, string SignalType, DateTimeOffset FiredAt, string Policy)
{
    /// <summary>One line for people: which alert, when.</summary>
    public string Describe() =>
        $"Azure Monitor alert '{Rule}' ({Severity}, {SignalType}) fired {FiredAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; capture policy '{Policy}'; alert {AlertId}";
}
