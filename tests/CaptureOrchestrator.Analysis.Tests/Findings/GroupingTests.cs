using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

/// <summary>
/// One problem, one finding: failures are grouped by what an engineer acts on (the scanning
/// source, the port on the path, the resolver, the tunnel sender, the server), and a report stays
/// readable — a verdict, about ten findings, then "N more" by kind.
/// </summary>
public sealed class GroupingTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A SYN scan of <paramref name="ports"/> ports of 10.5.0.9 from 10.5.0.66: every tenth port
    /// answers with a reset (closed), ports 22 and 443 are open (SYN-ACK, then the scanner's RST),
    /// the rest are silently dropped.
    /// </summary>
    private static void PortScan(ScenarioBuilder s, int ports, string target = "10.5.0.9", string scanner = "10.5.0.66")
    {
        for (int port = 1; port <= ports; port++)
        {
            TcpConversation probe = s.Tcp($"{scanner}:{40000 + (port % 20000)}", $"{target}:{port}", TimeSpan.FromMilliseconds(0.2));
            probe.Syn();
            if (port is 22 or 443)
            {
                probe.SynAck().Reset(fromClient: true);
            }
            else if (port % 10 == 0)
            {
                probe.RefuseSyn();
            }
        }
    }

    private static void SynUnanswered(ScenarioBuilder s, string client, string server)
    {
        s.Tcp(client, server, TimeSpan.FromMilliseconds(5)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(2)).Retransmit();
    }

    private static ScenarioBuilder Healthy()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake(TimeSpan.FromMilliseconds(2)).ClientSends(600).ServerSends(20_000).Close();
        return s;
    }

    [Fact]
    public void A_port_scan_is_one_finding_with_the_open_ports_not_one_error_per_port()
    {
        ScenarioBuilder s = Healthy();
        PortScan(s, ports: 1000);
        DiagnosisResult result = Analyze.Diagnose(s);

        Finding scan = result.Findings[0];
        Assert.Equal(FindingCodes.PortScan, scan.Code);
        Assert.Equal(FindingSeverity.Warning, scan.Severity);
        Assert.StartsWith("10.5.0.66 scanned 1,000 TCP ports of 10.5.0.9", scan.Title, StringComparison.Ordinal);
        Assert.Contains("open: 22, 443", scan.Title, StringComparison.Ordinal);
        Assert.Equal(1000, scan.Facts["ports"]);
        Assert.Equal(100, scan.Facts["refused"]); // every tenth port; 22 and 443 are open
        Assert.Equal(898, scan.Facts["unanswered"]);
        Assert.Equal(2, scan.Facts["open"]);
        Assert.Contains("not a service outage", result.Verdict, StringComparison.Ordinal);

        // The probes are the scan's, not separate problems of each port.
        Assert.DoesNotContain(result.Findings, f => f.Code is FindingCodes.TcpSynUnanswered or FindingCodes.TcpConnectionRefused);
        Assert.True(result.Findings.Count <= 3, string.Join(", ", result.Findings.Select(f => f.Code)));
        Assert.Equal(scan.Packets.Count, scan.Packets.Distinct().Count());
    }

    [Fact]
    public void A_real_outage_outranks_a_scan_in_the_same_capture()
    {
        ScenarioBuilder s = Healthy();
        PortScan(s, ports: 300);
        SynUnanswered(s, "10.1.0.4:50001", "10.3.0.5:3389");
        DiagnosisResult result = Analyze.Diagnose(s);

        Assert.Equal(FindingCodes.TcpSynUnanswered, result.Findings[0].Code);
        Assert.Contains("10.3.0.5:3389", result.Verdict, StringComparison.Ordinal);
        Assert.Single(result.Findings, f => f.Code == FindingCodes.PortScan);
        Assert.Single(result.Findings, f => f.Code == FindingCodes.TcpSynUnanswered);
    }

    [Fact]
    public void A_sweep_of_one_port_across_a_subnet_is_a_scan()
    {
        ScenarioBuilder s = Healthy();
        for (int host = 1; host <= 40; host++)
        {
            s.Tcp($"10.5.0.66:{41000 + host}", $"10.6.1.{host}:22", TimeSpan.FromMilliseconds(1)).Syn();
        }

        SynUnanswered(s, "10.5.0.66:41999", "10.6.1.200:22"); // retried: still part of the sweep
        Finding scan = Analyze.Diagnose(s).Findings[0];
        Assert.Equal(FindingCodes.PortScan, scan.Code);
        Assert.StartsWith("10.5.0.66 swept 41 hosts of 10.6.1.0/24 on TCP port 22", scan.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Near_miss_a_client_trying_a_few_ports_of_one_server_is_not_a_scan()
    {
        ScenarioBuilder s = Healthy();
        foreach (int port in new[] { 1433, 1434, 3389, 445, 135 })
        {
            SynUnanswered(s, $"10.1.0.4:{50000 + port}", $"10.3.0.5:{port}");
        }

        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.PortScan);
        Assert.Equal(5, result.Findings.Count(f => f.Code == FindingCodes.TcpSynUnanswered));
    }

    [Fact]
    public void Near_miss_blocked_egress_to_many_public_servers_is_one_port_finding_not_a_scan()
    {
        ScenarioBuilder s = Healthy();
        for (int i = 0; i < 30; i++)
        {
            // Scattered public addresses (a CDN, package mirrors): no subnet holds many of them.
            SynUnanswered(s, $"10.1.0.4:{51000 + i}", $"{20 + i}.{(i * 37) % 250}.{i + 3}.{10 + i}:443");
        }

        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.PortScan);
        Finding port = Assert.Single(result.Findings, f => f.Code == FindingCodes.TcpSynUnanswered);
        Assert.Equal(result.Findings[0], port);
        Assert.StartsWith("Connection attempts to TCP port 443 on 30 servers get no answer", port.Title, StringComparison.Ordinal);
        Assert.Equal(30, port.Facts["servers"]);
        Assert.Equal(90, port.Facts["synPackets"]);
        Assert.Contains("effective security rules", port.NextStep, StringComparison.Ordinal);
    }

    [Fact]
    public void Near_miss_three_servers_failing_on_one_port_stay_three_findings()
    {
        ScenarioBuilder s = Healthy();
        for (int i = 1; i <= 3; i++)
        {
            SynUnanswered(s, $"10.1.0.4:{51000 + i}", $"10.3.{i}.5:1433");
        }

        Assert.Equal(3, Analyze.Diagnose(s).Findings.Count(f => f.Code == FindingCodes.TcpSynUnanswered));
    }

    [Fact]
    public void Resets_of_many_connections_to_one_server_are_one_finding()
    {
        ScenarioBuilder s = Healthy();
        for (int i = 0; i < 8; i++)
        {
            s.Tcp($"10.1.0.4:{52000 + i}", "10.2.0.30:8080", TimeSpan.FromMilliseconds(20)).Handshake().ClientSends(300).ServerSends(100 * (i + 1)).Reset(fromClient: false);
        }

        s.Tcp("10.1.0.4:52100", "10.2.0.31:8080", TimeSpan.FromMilliseconds(20)).Handshake().ClientSends(300).ServerSends(100).Reset(fromClient: false);
        DiagnosisResult result = Analyze.Diagnose(s);

        List<Finding> resets = result.Findings.Where(f => f.Code == FindingCodes.TcpResetMidstream).ToList();
        Assert.Equal(2, resets.Count);
        Finding grouped = Assert.Single(resets, f => f.Flow!.Server == "10.2.0.30:8080");
        Assert.Equal(8, grouped.FlowCount);
        Assert.Equal(8, grouped.Facts["connections"]);
        Assert.EndsWith("8 connections to 10.2.0.30:8080 ended this way", grouped.Title, StringComparison.Ordinal);
        Assert.Equal(8, grouped.EvidenceFlows.Count);
        Assert.Equal(1, Assert.Single(resets, f => f.Flow!.Server == "10.2.0.31:8080").FlowCount);
    }

    [Fact]
    public void One_sender_whose_tunnels_to_many_peers_are_one_way_is_one_finding()
    {
        var s = new ScenarioBuilder(Start);
        for (int peer = 1; peer <= 12; peer++)
        {
            UdpConversation esp = s.Udp("203.0.113.10:4500", $"198.51.100.{peer}:4500", TimeSpan.FromMilliseconds(10));
            for (uint i = 1; i <= 12; i++)
            {
                esp.Send(true, IkeMessageBuilder.Esp(0xC0FF_0000u + (uint)peer, i)).Wait(TimeSpan.FromMilliseconds(5));
            }
        }

        DiagnosisResult result = Analyze.Diagnose(s);
        Finding oneWay = Assert.Single(result.Findings, f => f.Code == FindingCodes.EspOneWay);
        Assert.Equal(result.Findings[0], oneWay);
        Assert.StartsWith("ESP flows only from 203.0.113.10 to 12 peers (198.51.100.1, 198.51.100.2, 198.51.100.3, …)", oneWay.Title, StringComparison.Ordinal);
        Assert.Equal(12, oneWay.Facts["peers"]);
        Assert.Equal(144, oneWay.Facts["espPackets"]);
    }

    [Fact]
    public void Many_names_failing_at_one_resolver_are_one_finding_a_few_stay_apart()
    {
        var s = new ScenarioBuilder(Start);
        UdpConversation dns = s.Udp("10.1.0.4:53000", "168.63.129.16:53");
        for (ushort i = 0; i < 12; i++)
        {
            string name = $"db{i}.privatelink.database.windows.net";
            dns.Send(true, DnsMessageBuilder.Query(i, name)).Wait(TimeSpan.FromMilliseconds(2))
                .Send(false, DnsMessageBuilder.Response(i, name, 3)).Wait(TimeSpan.FromMilliseconds(10));
        }

        UdpConversation other = s.Udp("10.1.0.4:53001", "10.0.0.53:53", TimeSpan.FromMilliseconds(5));
        other.Send(true, DnsMessageBuilder.Query(100, "app.contoso.local")).Wait(TimeSpan.FromMilliseconds(2))
            .Send(false, DnsMessageBuilder.Response(100, "app.contoso.local", 3));

        DiagnosisResult result = Analyze.Diagnose(s);
        List<Finding> failures = result.Findings.Where(f => f.Code == FindingCodes.DnsFailure).ToList();
        Assert.Equal(2, failures.Count);
        Finding grouped = failures[0];
        Assert.StartsWith("DNS NXDOMAIN for 12 names from 168.63.129.16 (12 responses; db", grouped.Title, StringComparison.Ordinal);
        Assert.Equal(12, grouped.Facts["names"]);
        Assert.Contains("Azure DNS (168.63.129.16)", grouped.Verdict, StringComparison.Ordinal);
        Assert.Contains("app.contoso.local", failures[1].Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_unanswered_queries_to_one_resolver_are_one_finding()
    {
        var s = new ScenarioBuilder(Start);
        UdpConversation dns = s.Udp("10.1.0.4:53000", "10.0.0.53:53");
        for (ushort i = 0; i < 30; i++)
        {
            dns.Send(true, DnsMessageBuilder.Query(i, $"host{i}.contoso.com")).Wait(TimeSpan.FromMilliseconds(200));
        }

        dns.Wait(TimeSpan.FromSeconds(5));
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443", TimeSpan.FromSeconds(10)).Handshake().ClientSends(100).ServerSends(100).Close();
        Finding unanswered = Assert.Single(Analyze.Diagnose(s).Findings, f => f.Code == FindingCodes.DnsUnanswered);
        Assert.Equal(30, unanswered.Facts["queries"]);
    }

    [Fact]
    public void A_report_shows_ten_findings_then_the_rest_by_kind()
    {
        ScenarioBuilder s = Healthy();
        for (int i = 1; i <= 14; i++)
        {
            // Fourteen unrelated broken services on different ports: nothing to group them by.
            SynUnanswered(s, $"10.1.0.4:{53000 + i}", $"10.3.{i}.5:{7000 + i}");
        }

        s.Tcp("10.1.0.4:54000", "10.2.0.20:1433", TimeSpan.FromMilliseconds(10)).Syn().RefuseSyn();
        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.Equal(15, result.Findings.Count);

        string text = Render(result, ReportFormat.Text);
        Assert.Equal(10, text.Split('\n').Count(l => l.Length > 3 && char.IsDigit(l[1]) && l.Contains(". [", StringComparison.Ordinal)));
        Assert.Contains("5 more (all in --format json):", text, StringComparison.Ordinal);
        Assert.Contains("4 × [ERROR] TCP_SYN_UNANSWERED, e.g.", text, StringComparison.Ordinal);
        Assert.Contains("1 × [ERROR] TCP_CONNECTION_REFUSED, e.g.", text, StringComparison.Ordinal);

        string markdown = Render(result, ReportFormat.Markdown);
        Assert.Equal(10, markdown.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal) && l.Contains(" | error | `", StringComparison.Ordinal)));
        Assert.Contains("**5 more** (all in report.json):", markdown, StringComparison.Ordinal);
        Assert.Contains("- 4 × error `TCP_SYN_UNANSWERED`, e.g.", markdown, StringComparison.Ordinal);

        Assert.Equal(15, Analyze.Report(result).Findings.Count); // JSON keeps them all
    }

    private static string Render(DiagnosisResult result, ReportFormat format)
    {
        using var writer = new StringWriter();
        ReportWriter.Write(Analyze.Report(result), format, writer);
        return writer.ToString();
    }
}
