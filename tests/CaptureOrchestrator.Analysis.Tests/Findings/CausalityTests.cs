using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

/// <summary>Cause before symptom: a finding that explains another on the same flow leads, and the symptom sits under it.</summary>
public sealed class CausalityTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A full-size segment draws "fragmentation needed" (MTU 1400) and is resent three times with backoff.</summary>
    private static void MtuBoundFlow(ScenarioBuilder s, string client, int segment = 1460)
    {
        TcpConversation c = s.Tcp(client, "10.2.0.99:443", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300);
        c.Segment(true, 1460).IcmpErrorFrom(s, "10.1.0.1", 3, 4, mtu: 1400);
        c.Segment(true, segment).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(600)).Retransmit().Wait(TimeSpan.FromMilliseconds(1200)).Retransmit();
    }

    [Fact]
    public void Retransmissions_that_follow_fragmentation_needed_are_the_mtu_problem()
    {
        var s = new ScenarioBuilder(Start);
        MtuBoundFlow(s, "10.1.0.4:50011");
        DiagnosisResult result = Analyze.Diagnose(s);

        Finding top = result.Findings[0];
        Assert.Equal(FindingCodes.IcmpFragmentationNeeded, top.Code);
        Assert.Equal(FindingSeverity.Error, top.Severity); // as bad as the loss it causes
        Finding symptom = Assert.Single(top.Symptoms);
        Assert.Equal(FindingCodes.TcpRetransmissions, symptom.Code);
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.TcpRetransmissions);
        Assert.Contains("retransmitted", top.Verdict, StringComparison.Ordinal);
        Assert.StartsWith("Packets larger than 1400 bytes do not fit the path", result.Verdict, StringComparison.Ordinal);

        FindingReport report = Analyze.Report(result).Findings[0];
        Assert.Equal(FindingCodes.TcpRetransmissions, Assert.Single(report.Explains).Code);
        string text = Render(result, ReportFormat.Text);
        Assert.Contains("explains: TCP_RETRANSMISSIONS", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Near_miss_loss_on_another_flow_stays_its_own_finding()
    {
        var s = new ScenarioBuilder(Start);
        MtuBoundFlow(s, "10.1.0.4:50011", segment: 1200);
        TcpConversation other = s.Tcp("10.1.0.5:50012", "10.2.0.98:443", TimeSpan.FromMilliseconds(20)).Handshake().ClientSends(300);
        other.Segment(true, 400).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(600)).Retransmit().Wait(TimeSpan.FromMilliseconds(1200)).Retransmit();
        DiagnosisResult result = Analyze.Diagnose(s);

        Finding unrelated = Assert.Single(result.Findings, f => f.Code == FindingCodes.TcpRetransmissions && f.Flow!.Client == "10.1.0.5:50012");
        Assert.Empty(unrelated.Symptoms);
        Finding mtu = Assert.Single(result.Findings, f => f.Code == FindingCodes.IcmpFragmentationNeeded);
        Assert.DoesNotContain(mtu.Symptoms, f => f.Flow!.Client == "10.1.0.5:50012");
    }

    [Fact]
    public void Near_miss_small_segments_resent_after_fragmentation_needed_are_not_explained_by_it()
    {
        var s = new ScenarioBuilder(Start);
        MtuBoundFlow(s, "10.1.0.4:50011", segment: 400);
        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.Contains(result.Findings, f => f.Code == FindingCodes.TcpRetransmissions);
        Assert.Empty(Assert.Single(result.Findings, f => f.Code == FindingCodes.IcmpFragmentationNeeded).Symptoms);
    }

    /// <summary>Five quick bulk downloads and one ten times slower; the slow one's client may advertise zero windows.</summary>
    private static ScenarioBuilder BulkTransfers(bool slowOneHasZeroWindow, bool zeroWindowOnAFastOne = false)
    {
        var s = new ScenarioBuilder(Start);
        for (int i = 0; i < 5; i++)
        {
            TcpConversation fast = s.Tcp($"10.1.0.4:{52000 + i}", "10.2.0.50:443", TimeSpan.FromMilliseconds(10 + i)).Handshake().ClientSends(300).ServerSends(1_100_000);
            if (zeroWindowOnAFastOne && i == 0)
            {
                fast.ZeroWindow(fromClient: true).Wait(TimeSpan.FromMilliseconds(50)).ZeroWindow(fromClient: true);
            }

            fast.Wait(TimeSpan.FromSeconds(1)).Close();
        }

        TcpConversation slow = s.Tcp("10.1.0.4:52100", "10.2.0.50:443", TimeSpan.FromMilliseconds(50)).Handshake().ClientSends(300);
        if (slowOneHasZeroWindow)
        {
            slow.ZeroWindow(fromClient: true).Wait(TimeSpan.FromSeconds(2)).ZeroWindow(fromClient: true);
        }

        slow.Send(false, 1_100_000, TimeSpan.FromMilliseconds(20)).Close();
        return s;
    }

    [Fact]
    public void A_slow_transfer_on_a_flow_whose_receiver_window_closed_is_the_zero_window()
    {
        DiagnosisResult result = Analyze.Diagnose(BulkTransfers(slowOneHasZeroWindow: true));
        Finding zero = Assert.Single(result.Findings, f => f.Code == FindingCodes.TcpZeroWindow);
        Assert.Equal("10.1.0.4:52100", zero.Flow!.Client);
        Assert.NotEmpty(zero.Symptoms);
        Assert.All(zero.Symptoms, f => Assert.Equal(FindingCodes.SlowResponse, f.Code)); // the slow transfer and the late first byte
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.SlowResponse);
    }

    [Fact]
    public void Near_miss_a_zero_window_on_another_flow_does_not_explain_the_slow_transfer()
    {
        DiagnosisResult result = Analyze.Diagnose(BulkTransfers(slowOneHasZeroWindow: false, zeroWindowOnAFastOne: true));
        Finding slow = Assert.Single(result.Findings, f => f.Code == FindingCodes.SlowResponse);
        Assert.Equal("10.1.0.4:52100", slow.Flow!.Client);
        Assert.Empty(Assert.Single(result.Findings, f => f.Code == FindingCodes.TcpZeroWindow).Symptoms);
    }

    private static ScenarioBuilder DnsRejected(string rejectedResolver)
    {
        var s = new ScenarioBuilder(Start);
        s.Udp("10.1.0.4:53000", "10.0.0.53:53").Send(true, DnsMessageBuilder.Query(7, "app.contoso.com")).Wait(TimeSpan.FromSeconds(1))
            .Send(true, DnsMessageBuilder.Query(8, "app.contoso.com"));
        s.Udp("10.1.0.4:53001", $"{rejectedResolver}:53", TimeSpan.FromMilliseconds(5)).Send(true, DnsMessageBuilder.Query(9, "db.contoso.com"))
            .IcmpErrorFrom(s, rejectedResolver, 3, 3);
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443", TimeSpan.FromSeconds(5)).Handshake().ClientSends(100).ServerSends(100).Close();
        return s;
    }

    [Fact]
    public void Dns_queries_rejected_with_port_unreachable_are_the_icmp_finding()
    {
        DiagnosisResult result = Analyze.Diagnose(DnsRejected("10.0.0.53"));

        Finding top = result.Findings[0];
        Assert.Equal(FindingCodes.IcmpUnreachable, top.Code);
        Assert.Equal(FindingCodes.DnsUnanswered, Assert.Single(top.Symptoms).Code);
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.DnsUnanswered);
        Assert.Contains("That is why", result.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Near_miss_port_unreachable_from_another_resolver_does_not_explain_the_silence()
    {
        DiagnosisResult result = Analyze.Diagnose(DnsRejected("10.0.0.54"));

        // 10.0.0.54 rejected its query (that silence is explained); 10.0.0.53 never answered at all.
        Assert.Contains("10.0.0.53", Assert.Single(result.Findings, f => f.Code == FindingCodes.DnsUnanswered).Title, StringComparison.Ordinal);
        Finding icmp = Assert.Single(result.Findings, f => f.Code == FindingCodes.IcmpUnreachable);
        Assert.All(icmp.Symptoms, f => Assert.Contains("10.0.0.54", f.Title, StringComparison.Ordinal));
    }

    private static string Render(DiagnosisResult result, ReportFormat format)
    {
        using var writer = new StringWriter();
        ReportWriter.Write(Analyze.Report(result), format, writer);
        return writer.ToString();
    }
}
