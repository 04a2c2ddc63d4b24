using System.Text;
using CaptureOrchestrator.Azure.ResourceManager;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>
/// KQL for the Azure Firewall resource-specific tables, narrowed to a flow and a time window.
/// Values enter only through <see cref="KqlLiteral"/>.
/// </summary>
public static class FirewallLogQueries
{
    /// <summary>Rows a query returns at most; a ticket needs the pattern, not every row.</summary>
    public const int MaxRows = 10_000;

    private const string FlowColumns = "TimeGenerated, SourceIp, SourcePort, DestinationIp, DestinationPort, Protocol";

    /// <summary>Network rule decisions (the first packet of each flow: allowed or denied, and by which rule).</summary>
    public static string NetworkRules(FlowSelector flow, ArmResourceId? firewall = null) =>
        Build("AZFWNetworkRule", flow, firewall, bothDirections: false,
            FlowColumns + ", Action, Policy, RuleCollectionGroup, RuleCollection, Rule, ActionReason");

    /// <summary>
    /// Flow-trace rows (SYN-ACK, FIN, RST, INVALID packets). Replies travel the other way, so the
    /// flow is matched in both directions.
    /// </summary>
    public static string FlowTrace(FlowSelector flow, ArmResourceId? firewall = null) =>
        Build("AZFWFlowTrace", flow, firewall, bothDirections: true, FlowColumns + ", Flag, Action, ActionReason");

    /// <summary>Threat-intelligence hits (alerted or denied because an address or FQDN is known malicious).</summary>
    public static string ThreatIntel(FlowSelector flow, ArmResourceId? firewall = null) =>
        Build("AZFWThreatIntel", flow, firewall, bothDirections: false, FlowColumns + ", Action, Fqdn, TargetUrl, ThreatDescription, IsTlsInspected");

    /// <summary>
    /// IDPS signature hits. A signature can match a packet of either direction (a server's
    /// response, say), so the flow is matched in both.
    /// </summary>
    public static string IdpsSignatures(FlowSelector flow, ArmResourceId? firewall = null) =>
        Build("AZFWIdpsSignature", flow, firewall, bothDirections: true, FlowColumns + ", Action, SignatureId, Category, Severity, Description");

    private static string Build(string table, FlowSelector flow, ArmResourceId? firewall, bool bothDirections, string columns)
    {
        var query = new StringBuilder(table).Append('\n')
            .Append("| where TimeGenerated between (").Append(KqlLiteral.DateTime(flow.From)).Append(" .. ").Append(KqlLiteral.DateTime(flow.To)).Append(")\n");
        if (firewall is not null)
        {
            query.Append("| where _ResourceId =~ ").Append(KqlLiteral.String(firewall.ToString())).Append('\n');
        }

        string forward = Endpoints(flow, reversed: false);
        if (forward.Length > 0)
        {
            query.Append("| where ").Append(bothDirections ? $"({forward}) or ({Endpoints(flow, reversed: true)})" : forward).Append('\n');
        }

        if (flow.Protocol is { } protocol)
        {
            query.Append("| where Protocol =~ ").Append(KqlLiteral.String(protocol.ToString().ToUpperInvariant())).Append('\n');
        }

        return query.Append("| project ").Append(columns).Append('\n')
            .Append("| order by TimeGenerated asc\n")
            .Append("| take ").Append(KqlLiteral.Int(MaxRows))
            .ToString();
    }

    private static string Endpoints(FlowSelector flow, bool reversed)
    {
        var conditions = new List<string>(4);
        (string sourceIpColumn, string sourcePortColumn, string destinationIpColumn, string destinationPortColumn) = reversed
            ? ("DestinationIp", "DestinationPort", "SourceIp", "SourcePort")
            : ("SourceIp", "SourcePort", "DestinationIp", "DestinationPort");
        if (flow.SourceIp is { } sourceIp)
        {
            conditions.Add($"{sourceIpColumn} == {KqlLiteral.IpAddress(sourceIp)}");
        }

        if (flow.SourcePort is { } sourcePort)
        {
            conditions.Add($"{sourcePortColumn} == {KqlLiteral.Int(sourcePort)}");
        }

        if (flow.DestinationIp is { } destinationIp)
        {
            conditions.Add($"{destinationIpColumn} == {KqlLiteral.IpAddress(destinationIp)}");
        }

        if (flow.DestinationPort is { } destinationPort)
        {
            conditions.Add($"{destinationPortColumn} == {KqlLiteral.Int(destinationPort)}");
        }

        return string.Join(" and ", conditions);
    }
}
