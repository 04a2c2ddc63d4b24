using System.Net;
using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Azure.Tests.LogAnalytics;

/// <summary>Application rules, the legacy AzureDiagnostics form, VNet flow logs and VPN gateway diagnostics.</summary>
public sealed class MoreLogQueryTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    private const string Sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers";

    private static FlowSelector Flow() => new(From, From.AddMinutes(30))
    {
        SourceIp = IPAddress.Parse("10.0.0.4"),
        SourcePort = 50123,
        DestinationIp = IPAddress.Parse("10.1.0.5"),
        DestinationPort = 1433,
        Protocol = TransportProtocol.Tcp,
    };

    [Fact]
    public void Application_rules_filter_what_the_table_has_and_skip_the_destination_address_it_does_not()
    {
        string query = FirewallLogQueries.ApplicationRules(Flow());

        Assert.StartsWith("AZFWApplicationRule\n", query, StringComparison.Ordinal);
        Assert.Contains("""| where SourceIp == "10.0.0.4" and SourcePort == 50123 and DestinationPort == 1433""", query, StringComparison.Ordinal);
        Assert.DoesNotContain("DestinationIp", query, StringComparison.Ordinal);
        Assert.Contains("Fqdn, TargetUrl", query, StringComparison.Ordinal);
    }

    [Fact]
    public void Legacy_rules_parse_the_message_text_then_filter_on_the_parsed_columns()
    {
        string query = FirewallLogQueries.LegacyRules(Flow(), ArmResourceId.Parse(Sub + "/Microsoft.Network/azureFirewalls/fw1"));

        string[] lines = query.Split('\n');
        Assert.Equal("AzureDiagnostics", lines[0]);
        Assert.StartsWith("| where Category in (", lines[2], StringComparison.Ordinal);
        Assert.Equal("""| where OperationName in ("AzureFirewallNetworkRuleLog", "AzureFirewallApplicationRuleLog", "AzureFirewallNatRuleLog")""", lines[3]);
        Assert.StartsWith("| where ResourceId =~ ", lines[4], StringComparison.Ordinal);
        int parse = Array.FindIndex(lines, l => l.StartsWith("| parse msg_s with", StringComparison.Ordinal));
        int filter = Array.FindIndex(lines, l => l.Contains("""SourceIp == "10.0.0.4" """.TrimEnd(), StringComparison.Ordinal));
        Assert.True(parse > 0 && filter > parse, "the 5-tuple filter must come after the parse that creates its columns");
    }

    [Fact]
    public void Legacy_threat_intel_and_idps_read_their_operations_with_the_same_parsed_5_tuple()
    {
        string query = FirewallLogQueries.LegacyThreatIntelAndIdps(Flow());

        Assert.Contains("""| where OperationName in ("AzureFirewallThreatIntelLog", "AzureFirewallIDSLog")""", query, StringComparison.Ordinal);
        Assert.Contains("| parse msg_s with", query, StringComparison.Ordinal);
        Assert.Contains("""SourceIp == "10.0.0.4" and SourcePort == 50123 and DestinationIp == "10.1.0.5" and DestinationPort == 1433""", query, StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_log_query_matches_the_initiated_flow_without_a_source_port_and_accepts_either_protocol_spelling()
    {
        string query = FlowLogQueries.Flows(Flow(), ArmResourceId.Parse(Sub + "/Microsoft.Network/virtualNetworks/vnet1"));

        Assert.StartsWith("NTANetAnalytics\n", query, StringComparison.Ordinal);
        Assert.Contains("""| where SubType == "FlowLog" """.TrimEnd(), query, StringComparison.Ordinal);
        Assert.Contains("""| where SrcIp == "10.0.0.4" and DestIp == "10.1.0.5" and DestPort == 1433""" + "\n", query, StringComparison.Ordinal);
        Assert.Contains("""| where L4Protocol in~ ("T", "TCP")""", query, StringComparison.Ordinal);
        Assert.DoesNotContain("50123", query, StringComparison.Ordinal);
        Assert.Contains("""TargetResourceId =~ "/subscriptions/""", query, StringComparison.Ordinal);
    }

    [Fact]
    public void Vpn_gateway_queries_read_tunnel_and_ike_categories_for_one_peer()
    {
        var window = new FlowSelector(From, From.AddHours(2));
        var gateway = ArmResourceId.Parse(Sub + "/Microsoft.Network/virtualNetworkGateways/vpngw");
        IPAddress peer = IPAddress.Parse("203.0.113.10");

        string tunnel = VpnGatewayLogQueries.TunnelEvents(window, gateway, peer);
        string ike = VpnGatewayLogQueries.IkeEvents(window, gateway, peer);

        Assert.Contains("""| where Category == "TunnelDiagnosticLog" """.TrimEnd(), tunnel, StringComparison.Ordinal);
        Assert.Contains("""| where remoteIP_s == "203.0.113.10" """.TrimEnd(), tunnel, StringComparison.Ordinal);
        Assert.Contains("""| where Category == "IKEDiagnosticLog" """.TrimEnd(), ike, StringComparison.Ordinal);
        Assert.Contains("""| where RemoteIP == "203.0.113.10" """.TrimEnd(), ike, StringComparison.Ordinal);
        Assert.True(ike.IndexOf("| parse Message", StringComparison.Ordinal) < ike.IndexOf("RemoteIP ==", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.0.0.4\" or 1==1 //")]
    [InlineData("10.0.0.4\n| take 1")]
    [InlineData("10.0.0.04")]
    public void Hostile_or_sloppy_addresses_never_reach_a_query(string address)
    {
        var error = Assert.Throws<FormatException>(() => NetworkText.ParseAddress(address, "remote peer"));

        Assert.Contains("remote peer", error.Message, StringComparison.Ordinal);
    }
}
