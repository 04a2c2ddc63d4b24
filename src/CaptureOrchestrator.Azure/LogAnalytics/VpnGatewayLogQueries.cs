using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>
/// VPN gateway diagnostics in AzureDiagnostics: tunnel up/down events and IKE negotiation, for the
/// window of a ticket and, when given, one remote peer address (the on-premises device).
/// </summary>
public static class VpnGatewayLogQueries
{
    /// <summary>Tunnel connect and disconnect events (TunnelDiagnosticLog).</summary>
    public static string TunnelEvents(FlowSelector window, ArmResourceId? gateway = null, System.Net.IPAddress? remotePeer = null)
    {
        KqlQueryBuilder query = new KqlQueryBuilder("AzureDiagnostics", window)
            .Where("Category == \"TunnelDiagnosticLog\"")
            .WhereResource("ResourceId", gateway);
        if (remotePeer is not null)
        {
            query.Where($"remoteIP_s == {KqlLiteral.IpAddress(remotePeer)}");
        }

        return query.Build("TimeGenerated, OperationName, remoteIP_s, instance_s, status_s, stateChangeReason_s, Resource");
    }

    /// <summary>IKE negotiation messages (IKEDiagnosticLog), with the peer addresses parsed out of the message.</summary>
    public static string IkeEvents(FlowSelector window, ArmResourceId? gateway = null, System.Net.IPAddress? remotePeer = null)
    {
        KqlQueryBuilder query = new KqlQueryBuilder("AzureDiagnostics", window)
            .Where("Category == \"IKEDiagnosticLog\"")
            .WhereResource("ResourceId", gateway)
            .Then("parse Message with * \"Remote \" RemoteIP \":\" * \": Local \" LocalIP \":\" * \": \" Event");
        if (remotePeer is not null)
        {
            query.Where($"RemoteIP == {KqlLiteral.IpAddress(remotePeer)}");
        }

        return query.Build("TimeGenerated, RemoteIP, LocalIP, Level, Event, Message, instance_s");
    }
}
