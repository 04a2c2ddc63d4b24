using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>
/// VNet flow logs as traffic analytics stores them (table <c>NTANetAnalytics</c>, rows with
/// <c>SubType == "FlowLog"</c>): allowed or denied flows between addresses, with the NSG/AVNM rule.
/// Traffic analytics aggregates flows by destination port: there is no source port to filter on.
/// A row describes a flow as its initiator opened it, so the selector's direction is taken as given.
/// </summary>
public static class FlowLogQueries
{
    private static readonly FlowColumns Columns = new("SrcIp", null, "DestIp", "DestPort");

    /// <param name="flowLogTarget">The VNet, subnet or NIC the flow log is set on (its TargetResourceId), if known.</param>
    public static string Flows(FlowSelector flow, ArmResourceId? flowLogTarget = null)
    {
        KqlQueryBuilder query = new KqlQueryBuilder("NTANetAnalytics", flow)
            .Where("SubType == \"FlowLog\"")
            .WhereResource("TargetResourceId", flowLogTarget)
            .WhereFlow(flow, Columns, bothDirections: false); // one row per flow, keyed by its initiator
        if (flow.Protocol is { } protocol && protocol != TransportProtocol.Icmp)
        {
            // Flow logs abbreviate the transport ("T", "U"); accept the spelled-out form too.
            string letter = protocol == TransportProtocol.Tcp ? "T" : "U";
            query.Where($"L4Protocol in~ ({KqlLiteral.String(letter)}, {KqlLiteral.String(protocol.ToString().ToUpperInvariant())})");
        }

        return query.Build("TimeGenerated, FlowStartTime, FlowEndTime, SrcIp, DestIp, DestPort, L4Protocol, FlowDirection, FlowStatus, FlowType, AclGroup, AclRule, PacketsSrcToDest, PacketsDestToSrc, BytesSrcToDest, BytesDestToSrc");
    }
}
