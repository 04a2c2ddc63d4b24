using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;

namespace CaptureOrchestrator.Core.Triage;

/// <summary>
/// Joins the path checks, the logs and the capture into sentences an engineer can act on, most
/// decisive first: a rule that denies, a route that goes nowhere, a firewall that drops, then what
/// the packets themselves show.
/// </summary>
public static class TriageVerdict
{
    public static IReadOnlyList<string> Join(PathCheck check, PathDiagnosis? path, LogEvidence? logs, CaptureOutcome? capture)
    {
        var verdict = new List<string>();
        string flow = $"{check.Protocol} {check.LocalIp}{Port(check.LocalPort)} ↔ {check.RemoteIp}:{check.RemotePort}";
        if (path is { Access: "Deny" })
        {
            verdict.Add($"NSG rule {path.RuleName ?? "(unnamed)"} denies {check.Direction.ToLowerInvariant()} {flow}.");
        }

        if (path is { NextHopType: "None" })
        {
            verdict.Add($"There is no route for {check.RemoteIp}: next hop None{(path.RouteTableId is { } table && table != "System Route" ? $" (route table {table})" : string.Empty)}.");
        }

        RuleHits? firewallDeny = logs?.Firewall.FirstOrDefault(h => string.Equals(h.Action, "Deny", StringComparison.OrdinalIgnoreCase));
        if (path is { NextHopType: "VirtualAppliance" } && firewallDeny is not null)
        {
            verdict.Add($"Next hop is the firewall ({path.NextHopIp}) and the firewall log shows Deny by rule {firewallDeny.Rule} ({firewallDeny.Rows} rows).");
        }
        else if (firewallDeny is not null)
        {
            verdict.Add($"The firewall log shows Deny by rule {firewallDeny.Rule} ({firewallDeny.Rows} rows).");
        }

        if (logs is { FlowLogDenies.Count: > 0 })
        {
            RuleHits flowDeny = logs.FlowLogDenies[0];
            verdict.Add($"The VNet flow log shows the flow denied by {flowDeny.Rule} ({flowDeny.Rows} rows).");
        }

        if (path is { ConnectionStatus: "Unreachable" or "Disconnected" } && path.HopIssues.Count > 0)
        {
            verdict.Add($"Connection troubleshoot: {path.ConnectionStatus.ToLowerInvariant()}; issues on the path: {string.Join(", ", path.HopIssues)}.");
        }

        IEnumerable<TargetOutcome> analysed = capture?.Targets.Where(t => t.Analysis is not null) ?? [];
        bool synUnanswered = analysed.Any(t => t.Analysis!.Findings.Any(f => f.Code == FindingCodes.TcpSynUnanswered));
        if (synUnanswered && path is { Access: "Allow" } && verdict.Count == 0)
        {
            verdict.Add("Packets leave the VM but no reply comes back, while the NSG allows the flow: look past the VM (route, firewall, the far end).");
        }

        verdict.AddRange(analysed.Select(t => $"Capture on {t.ResourceId[(t.ResourceId.LastIndexOf('/') + 1)..]}: {t.Analysis!.Verdict}"));
        if (verdict.Count == 0)
        {
            verdict.Add("No check found a problem on the path; see the capture and the logs.");
        }

        return verdict;
    }

    private static string Port(int? port) => port is { } p ? ":" + p : string.Empty;
}
