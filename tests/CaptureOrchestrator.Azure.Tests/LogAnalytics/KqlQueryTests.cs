using System.Net;
using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Azure.Tests.LogAnalytics;

public sealed class KqlQueryTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    private const string Firewall = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/fw1";

    [Fact]
    public void Network_rule_query_narrows_to_the_whole_5_tuple_window_and_firewall()
    {
        var flow = new FlowSelector(From, From.AddMinutes(30))
        {
            SourceIp = IPAddress.Parse("10.0.0.4"),
            SourcePort = 50123,
            DestinationIp = IPAddress.Parse("10.1.0.5"),
            DestinationPort = 1433,
            Protocol = TransportProtocol.Tcp,
        };

        string query = FirewallLogQueries.NetworkRules(flow, ArmResourceId.Parse(Firewall));

        Assert.Equal(
            """
            AZFWNetworkRule
            | where TimeGenerated between (datetime(2026-11-21T08:00:00.0000000Z) .. datetime(2026-11-21T08:30:00.0000000Z))
            | where _ResourceId =~ "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/fw1"
            | where SourceIp == "10.0.0.4" and SourcePort == 50123 and DestinationIp == "10.1.0.5" and DestinationPort == 1433
            | where Protocol =~ "TCP"
            | project TimeGenerated, SourceIp, SourcePort, DestinationIp, DestinationPort, Protocol, Action, Policy, RuleCollectionGroup, RuleCollection, Rule, ActionReason
            | order by TimeGenerated asc
            | take 10000
            """.ReplaceLineEndings("\n"),
            query);
    }

    [Fact]
    public void Flow_trace_query_matches_replies_travelling_the_other_way()
    {
        var flow = new FlowSelector(From, From.AddHours(1)) { SourceIp = IPAddress.Parse("10.0.0.4"), DestinationIp = IPAddress.Parse("2001:db8::1"), DestinationPort = 443 };

        string query = FirewallLogQueries.FlowTrace(flow);

        Assert.Contains(
            """| where (SourceIp == "10.0.0.4" and DestinationIp == "2001:db8::1" and DestinationPort == 443) or (DestinationIp == "10.0.0.4" and SourceIp == "2001:db8::1" and SourcePort == 443)""",
            query, StringComparison.Ordinal);
        Assert.StartsWith("AZFWFlowTrace\n", query, StringComparison.Ordinal);
        Assert.Contains("Flag, Action, ActionReason", query, StringComparison.Ordinal);
        Assert.DoesNotContain("_ResourceId", query, StringComparison.Ordinal);
        Assert.DoesNotContain("Protocol =~", query, StringComparison.Ordinal);
    }

    [Fact]
    public void Threat_intel_and_idps_queries_read_their_own_tables_and_columns()
    {
        var flow = new FlowSelector(From, From.AddHours(1)) { DestinationPort = 443 };

        string threatIntel = FirewallLogQueries.ThreatIntel(flow);
        string idps = FirewallLogQueries.IdpsSignatures(flow);

        Assert.StartsWith("AZFWThreatIntel\n", threatIntel, StringComparison.Ordinal);
        Assert.Contains("| where DestinationPort == 443\n", threatIntel, StringComparison.Ordinal);
        Assert.Contains("ThreatDescription", threatIntel, StringComparison.Ordinal);
        Assert.StartsWith("AZFWIdpsSignature\n", idps, StringComparison.Ordinal);
        Assert.Contains("| where (DestinationPort == 443) or (SourcePort == 443)\n", idps, StringComparison.Ordinal);
        Assert.Contains("SignatureId, Category, Severity, Description", idps, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_with_no_flow_filter_has_no_empty_where()
    {
        string query = FirewallLogQueries.NetworkRules(new FlowSelector(From, From.AddMinutes(5)));

        Assert.Equal(1, query.Split("| where").Length - 1);
    }

    [Theory]
    [InlineData("10.0.0.4\" or 1==1 //")]
    [InlineData("10.0.0.4\") | union AZFWApplicationRule | where (\"\" == \"")]
    [InlineData("10.0.0.4; drop")]
    [InlineData("10.1")]
    [InlineData("167772164")]
    [InlineData("fe80::1%eth0")]
    [InlineData(" 10.0.0.4")]
    [InlineData("0x0a.0.0.4")]
    [InlineData("")]
    public void Injection_and_non_addresses_are_refused_as_addresses(string text)
    {
        var error = Assert.Throws<FormatException>(() => NetworkText.ParseAddress(text, "source ip"));
        Assert.StartsWith("source ip '", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("is not an IPv4 or IPv6 address", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("443 or 1==1")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("+443")]
    [InlineData("443\n")]
    [InlineData("٤٤٣")] // Arabic-Indic digits: char.IsDigit would take them
    public void Injection_and_non_ports_are_refused_as_ports(string text)
    {
        Assert.Contains("is not a port number (1-65535)", Assert.Throws<FormatException>(() => NetworkText.ParsePort(text, "destination port")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_inputs_parse_to_their_typed_values()
    {
        Assert.Equal(IPAddress.Parse("10.0.0.4"), NetworkText.ParseAddress("10.0.0.4", "source ip"));
        Assert.Equal(IPAddress.Parse("2001:db8::1"), NetworkText.ParseAddress("2001:DB8::1", "source ip"));
        Assert.Equal(IPAddress.Parse("::ffff:10.0.0.4"), NetworkText.ParseAddress("::ffff:10.0.0.4", "source ip"));
        Assert.Equal(65535, NetworkText.ParsePort("65535", "port"));
        Assert.Equal(TransportProtocol.Udp, FlowSelector.ParseProtocol("udp"));
        Assert.Contains("not one of tcp, udp, icmp", Assert.Throws<FormatException>(() => FlowSelector.ParseProtocol("tcp\" or 1==1")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("with \"quotes\" and \\backslashes\\")]
    [InlineData("\" | union SecurityEvent | where \"\" == \"")]
    [InlineData("ends with a backslash \\")]
    [InlineData("lines\nand\ttabs\r")]
    public void A_string_literal_is_one_token_whatever_it_holds(string value)
    {
        string literal = KqlLiteral.String(value);

        // Read the literal as KQL's lexer does: it must close exactly at its last character.
        Assert.Equal('"', literal[0]);
        int i = 1;
        var decoded = new System.Text.StringBuilder();
        while (literal[i] != '"')
        {
            if (literal[i] == '\\')
            {
                i++;
                decoded.Append(literal[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', char c => c });
            }
            else
            {
                decoded.Append(literal[i]);
            }

            i++;
        }

        Assert.Equal(literal.Length - 1, i);
        Assert.Equal(value, decoded.ToString());
    }

    [Fact]
    public void Control_characters_are_refused_in_string_literals()
    {
        Assert.Contains("U+0000", Assert.Throws<ArgumentException>(() => KqlLiteral.String("a\0b")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_and_ports_are_checked_when_the_selector_is_built()
    {
        Assert.Contains("before it starts", Assert.Throws<ArgumentException>(() => new FlowSelector(From, From)).Message, StringComparison.Ordinal);
        Assert.Contains("longer than the 31 days", Assert.Throws<ArgumentException>(() => new FlowSelector(From, From.AddDays(32))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowSelector(From, From.AddHours(1)) { DestinationPort = 70000 });
    }

    [Fact]
    public void Datetime_literals_are_utc_whatever_the_offset()
    {
        Assert.Equal("datetime(2026-11-21T08:00:00.0000000Z)", KqlLiteral.DateTime(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.FromHours(1))));
    }
}
