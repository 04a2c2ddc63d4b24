using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Core.Triage;

/// <summary>The triage activities, by name.</summary>
public static class TriageActivities
{
    /// <summary><see cref="PathCheckRequest"/> → <see cref="PathDiagnosis"/>: IP flow verify, next hop and connection troubleshoot for the 5-tuple.</summary>
    public const string DiagnosePath = "DiagnosePath";

    /// <summary><see cref="LogQuery"/> → <see cref="LogEvidence"/>: firewall and flow-log rows for the 5-tuple and window.</summary>
    public const string QueryLogs = "QueryLogs";
}

/// <summary>A capture plus the path checks and log queries for the same traffic.</summary>
public sealed record TriageOperation(CaptureOperation Capture, PathCheck Path, Guid? WorkspaceId, ArmResourceId? FirewallId);

/// <summary>The 5-tuple seen from the VM the checks run on ("local" is the VM's side).</summary>
public sealed record PathCheck(ArmResourceId VirtualMachineId, string Direction, string Protocol, string LocalIp, int? LocalPort, string RemoteIp, int RemotePort);

public sealed record PathDiagnosis(string? Access, string? RuleName, string? NextHopType, string? NextHopIp, string? RouteTableId, string? ConnectionStatus, IReadOnlyList<string> HopIssues);

/// <summary>The path checks of a triage operation (<see cref="TriageActivities.DiagnosePath"/>).</summary>
public sealed record PathCheckRequest(string OperationId, TicketKey Ticket, PathCheck Path) : IOperationScoped;

public sealed record LogQuery(string OperationId, TicketKey Ticket, PathCheck Path, Guid WorkspaceId, ArmResourceId? FirewallId, DateTime FromUtc, DateTime ToUtc) : IOperationScoped;

/// <summary>What the logs said: firewall decisions (rule, action, rows) and flow-log denials (NSG rule, rows).</summary>
public sealed record LogEvidence(IReadOnlyList<RuleHits> Firewall, IReadOnlyList<RuleHits> FlowLogDenies, string? Problem);

public sealed record RuleHits(string Rule, string Action, long Rows);

/// <summary>The joined verdict first, then every piece of evidence it came from.</summary>
public sealed record TriageOutcome(IReadOnlyList<string> Verdict, PathDiagnosis? Path, CaptureOutcome? Capture, LogEvidence? Logs, IReadOnlyList<string> Problems);
