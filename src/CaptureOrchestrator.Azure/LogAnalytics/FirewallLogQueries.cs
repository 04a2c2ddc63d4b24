using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>
/// KQL for Azure Firewall logs, narrowed to a flow and a time window: the resource-specific AZFW*
/// tables (diagnostic setting in "Dedicated" mode) and the legacy AzureDiagnostics form.
/// Values enter only through <see cref="KqlLiteral"/>.
/// </summary>
public static class FirewallLogQueries
{
    /// <summary>Rows a query returns at most; a ticket needs the pattern, not every row.</summary>
    public const int MaxRows = KqlQueryBuilder.MaxRows;

    private const string FlowColumns = "TimeGenerated, SourceIp, SourcePort, DestinationIp, DestinationPort, Protocol";

    // Application rules log the requested FQDN, not the destination address.
    private static readonly FlowColumns ApplicationRuleColumns = new("SourceIp", "SourcePort", null, "DestinationPort");

    /// <summary>Network rule decisions (the first packet of each flow: allowed or denied, and by which rule).</summary>
    public static string NetworkRules(FlowSelector flow, ArmResourceId? firewall = null) =>
        Start("AZFWNetworkRule", flow, firewall, LogAnalytics.FlowColumns.Standard, bothDirections: false)
            .Build(FlowColumns + ", Action, Policy, RuleCollectionGroup, RuleCollection, Rule, ActionReason");

    /// <summary>
    /// Application rule decisions (HTTP/S and FQDN-based). The table has no destination address
    /// column, so a selector's destination IP is not applied; source and destination port are.
    /// </summary>
    public static string ApplicationRules(FlowSelector flow, ArmResourceId? firewall = null) =>
        Start("AZFWApplicationRule", flow, firewall, ApplicationRuleColumns, bothDirections: false)
            .Build("TimeGenerated, SourceIp, SourcePort, DestinationPort, Protocol, Fqdn, TargetUrl, Action, Policy, RuleCollectionGroup, RuleCollection, Rule, ActionReason, IsTlsInspected");

    /// <summary>
    /// Flow-trace rows (SYN-ACK, FIN, RST, INVALID packets). Replies travel the other way, so the
    /// flow is matched in both directions.
    /// </summary>
    public static string FlowTrace(FlowSelector flow, ArmResourceId? firewall = null) =>
        Start("AZFWFlowTrace", flow, firewall, LogAnalytics.FlowColumns.Standard, bothDirections: true)
            .Build(FlowColumns + ", Flag, Action, ActionReason");

    /// <summary>Threat-intelligence hits (alerted or denied because an address or FQDN is known malicious).</summary>
    public static string ThreatIntel(FlowSelector flow, ArmResourceId? firewall = null) =>
        Start("AZFWThreatIntel", flow, firewall, LogAnalytics.FlowColumns.Standard, bothDirections: false)
            .Build(FlowColumns + ", Action, Fqdn, TargetUrl, ThreatDescription, IsTlsInspected");

    /// <summary>
    /// IDPS signature hits. A signature can match a packet of either direction (a server's
    /// response, say), so the flow is matched in both.
    /// </summary>
    public static string IdpsSignatures(FlowSelector flow, ArmResourceId? firewall = null) =>
        Start("AZFWIdpsSignature", flow, firewall, LogAnalytics.FlowColumns.Standard, bothDirections: true)
            .Build(FlowColumns + ", Action, SignatureId, Category, Severity, Description");

    /// <summary>
    /// Network and application rule decisions from a firewall whose diagnostic setting writes to
    /// AzureDiagnostics (the legacy mode): the 5-tuple is parsed out of the <c>msg_s</c> text, e.g.
    /// "TCP request from 10.0.0.4:52324 to 10.1.0.5:1433. Action: Deny. ...".
    /// </summary>
    public static string LegacyRules(FlowSelector flow, ArmResourceId? firewall = null) =>
        Legacy(flow, firewall, "OperationName in (\"AzureFirewallNetworkRuleLog\", \"AzureFirewallApplicationRuleLog\", \"AzureFirewallNatRuleLog\")");

    /// <summary>
    /// Threat-intelligence and IDPS hits in the legacy AzureDiagnostics form (operations
    /// AzureFirewallThreatIntelLog and AzureFirewallIDSLog; the signature text stays in <c>Details</c>).
    /// There is no legacy form of flow trace: it needs resource-specific tables.
    /// </summary>
    public static string LegacyThreatIntelAndIdps(FlowSelector flow, ArmResourceId? firewall = null) =>
        Legacy(flow, firewall, "OperationName in (\"AzureFirewallThreatIntelLog\", \"AzureFirewallIDSLog\")");

    private static string Legacy(FlowSelector flow, ArmResourceId? firewall, string operations)
    {
        var query = new KqlQueryBuilder("AzureDiagnostics", flow)
            .Where("Category in (\"AzureFirewallNetworkRule\", \"AzureFirewallApplicationRule\", \"AzureFirewallIDSLog\")")
            .Where(operations)
            .WhereResource("ResourceId", firewall)
            .Then("parse msg_s with Protocol \" request from \" SourceIp \":\" SourcePort:int \" to \" Destination \":\" DestinationPort:int \". Action: \" Action \".\" Details")
            .Then("extend DestinationIp = iff(OperationName == \"AzureFirewallApplicationRuleLog\", \"\", Destination), Fqdn = iff(OperationName == \"AzureFirewallApplicationRuleLog\", Destination, \"\")");
        query.WhereFlow(flow, LogAnalytics.FlowColumns.Standard, bothDirections: false);
        if (flow.Protocol is { } protocol)
        {
            query.Where($"Protocol =~ {KqlLiteral.String(protocol.ToString().ToUpperInvariant())}");
        }

        return query.Build("TimeGenerated, OperationName, Protocol, SourceIp, SourcePort, DestinationIp, Fqdn, DestinationPort, Action, Details");
    }

    private static KqlQueryBuilder Start(string table, FlowSelector flow, ArmResourceId? firewall, FlowColumns columns, bool bothDirections)
    {
        KqlQueryBuilder query = new KqlQueryBuilder(table, flow)
            .WhereResource("_ResourceId", firewall)
            .WhereFlow(flow, columns, bothDirections);
        return flow.Protocol is { } protocol
            ? query.Where($"Protocol =~ {KqlLiteral.String(protocol.ToString().ToUpperInvariant())}")
            : query;
    }
}
