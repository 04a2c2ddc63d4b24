using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Validation;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Triage;

/// <summary>Firewall rule decisions and VNet flow-log denials for the triage 5-tuple and window, counted per rule.</summary>
internal sealed class QueryLogsActivity(CaptureServices services) : Activity<LogQuery, LogEvidence>
{
    public override async Task<LogEvidence> RunAsync(WorkflowActivityContext context, LogQuery query, CancellationToken cancellationToken)
    {
        PathCheck check = query.Path;
        var flow = new FlowSelector(query.FromUtc.AddMinutes(-5), query.ToUtc.AddMinutes(10))
        {
            SourceIp = NetworkText.ParseAddress(check.LocalIp, "local ip"),
            SourcePort = check.LocalPort,
            DestinationIp = NetworkText.ParseAddress(check.RemoteIp, "remote ip"),
            DestinationPort = check.RemotePort,
            Protocol = FlowSelector.ParseProtocol(check.Protocol),
        };
        var problems = new List<string>();
        IReadOnlyList<RuleHits> firewall = await CountAsync(query.WorkspaceId, FirewallLogQueries.NetworkRules(flow, query.FirewallId), "Rule", "Action", problems, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<RuleHits> flowLogs = (await CountAsync(query.WorkspaceId, FlowLogQueries.Flows(flow), "AclRule", "FlowStatus", problems, cancellationToken).ConfigureAwait(false))
            .Where(h => h.Action is "D" or "Denied" or "Deny")
            .ToArray();
        return new LogEvidence(firewall, flowLogs, problems.Count == 0 ? null : string.Join("; ", problems));
    }

    private async Task<IReadOnlyList<RuleHits>> CountAsync(Guid workspace, string kql, string ruleColumn, string actionColumn, List<string> problems, CancellationToken cancellationToken)
    {
        try
        {
            LogsQueryResult result = (await services.Logs.QueryWorkspaceAsync(workspace, kql,
                options: new LogsQueryOptions { AllowPartialErrors = true, ServerTimeout = TimeSpan.FromMinutes(2) }, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (result.Error is { } partial)
            {
                problems.Add($"{partial.Code}: {partial.Message}");
            }

            return result.Table.Rows
                .GroupBy(r => (Rule: r.GetString(ruleColumn) ?? "(none)", Action: r.GetString(actionColumn) ?? "?"))
                .Select(g => new RuleHits(g.Key.Rule, g.Key.Action, g.LongCount()))
                .OrderByDescending(h => h.Rows)
                .ToArray();
        }
        catch (global::Azure.RequestFailedException ex) when (ex.Status is >= 400 and < 500 and not 408 and not 429)
        {
            // A table that does not exist (no flow logs, no firewall) or no access is evidence missing, not a triage failure.
            problems.Add($"Log Analytics: {ex.ErrorCode ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            return [];
        }
    }
}
