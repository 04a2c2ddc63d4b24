using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Flows;

/// <summary>
/// When the flow table lets a conversation go. A finished conversation that sees another packet
/// becomes a second flow, so the flow count shows which timeout applied.
/// </summary>
public sealed class FlowTimeoutTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static long CountFlows(ScenarioBuilder scenario) => Analyze.DiagnoseEvictingOnTime(scenario).Analysis.Flows.Flows;

    /// <summary>Two exchanges on one 5-tuple, <paramref name="gap"/> apart, with a TCP conversation ticking in between so sweeps run.</summary>
    private static ScenarioBuilder TwoExchanges(string client, string server, TimeSpan gap)
    {
        var s = new ScenarioBuilder(Start);
        UdpConversation udp = s.Udp(client, server);
        udp.Send(true, DnsMessageBuilder.Query(1, "app.contoso.com")).Send(false, DnsMessageBuilder.Response(1, "app.contoso.com", 0, "10.2.0.10"));
        TcpConversation ticker = s.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake();
        for (TimeSpan t = TimeSpan.Zero; t < gap; t += TimeSpan.FromSeconds(1))
        {
            ticker.Wait(TimeSpan.FromSeconds(1)).ClientSends(100);
        }

        udp.Wait(gap).Send(true, DnsMessageBuilder.Query(2, "app.contoso.com")).Send(false, DnsMessageBuilder.Response(2, "app.contoso.com", 0, "10.2.0.10"));
        return s;
    }

    [Fact]
    public void A_dns_lookup_is_finished_after_ten_quiet_seconds_as_zeek_does()
    {
        // 12 s apart on port 53: past the DNS session timeout, so two flows (plus the ticker).
        Assert.Equal(3, CountFlows(TwoExchanges("10.1.0.4:53000", "168.63.129.16:53", TimeSpan.FromSeconds(12))));
    }

    [Fact]
    public void Near_miss_other_udp_keeps_its_minute_and_dns_within_ten_seconds_stays_one_flow()
    {
        Assert.Equal(2, CountFlows(TwoExchanges("10.1.0.4:53000", "10.2.0.20:5353", TimeSpan.FromSeconds(12))));
        Assert.Equal(2, CountFlows(TwoExchanges("10.1.0.4:53000", "168.63.129.16:53", TimeSpan.FromSeconds(8))));
    }
}
