using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting.Html;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Reporting;

/// <summary>The ladders of the HTML report say what Wireshark's flow graph would, packet by packet.</summary>
public sealed class LadderCollectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<LadderDiagram> Ladders(ScenarioBuilder scenario, int maxEvents = LadderCollector.DefaultMaxEvents)
    {
        byte[] capture = scenario.ToArray();
        IReadOnlyList<Finding> findings = Diagnosis.Run(new MemoryStream(capture)).Findings;
        return LadderCollector.Collect(new MemoryStream(capture), findings, maxEvents: maxEvents);
    }

    [Fact]
    public void Resent_syns_are_retransmissions_with_their_frame_numbers_and_times()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50100", "10.2.0.20:1433").Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(2)).Retransmit();

        LadderDiagram ladder = Assert.Single(Ladders(s));

        Assert.Equal(FindingCodes.TcpSynUnanswered, ladder.Finding);
        Assert.Equal("10.1.0.4:50100", ladder.Client);
        Assert.Equal("10.2.0.20:1433", ladder.Server);
        Assert.Equal([1L, 2L, 3L], ladder.Events.Select(e => e.Frame));
        Assert.Equal([LadderEventKind.Handshake, LadderEventKind.Retransmission, LadderEventKind.Retransmission], ladder.Events.Select(e => e.Kind));
        Assert.Equal("SYN (retransmission)", ladder.Events[1].Label);
        Assert.Equal(3.0, ladder.Events[2].Seconds, precision: 3);
        Assert.All(ladder.Events, e => Assert.True(e.FromClient));
    }

    [Fact]
    public void A_reset_from_the_server_is_drawn_from_its_side_and_an_icmp_error_about_the_flow_is_on_its_ladder()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50200", "10.2.0.30:8080").Handshake().ClientSends(300).Reset(fromClient: false);
        TcpConversation big = s.Tcp("10.1.0.4:50300", "10.2.0.40:443", TimeSpan.FromMilliseconds(5)).Handshake();
        big.Segment(true, 1400).IcmpErrorFrom(s, "10.1.0.1", 3, 4, mtu: 1400).Retransmit();

        IReadOnlyList<LadderDiagram> ladders = Ladders(s);

        LadderEvent reset = ladders.Single(l => l.Server == "10.2.0.30:8080").Events[^1];
        Assert.Equal(LadderEventKind.Reset, reset.Kind);
        Assert.False(reset.FromClient);
        LadderDiagram mtu = ladders.Single(l => l.Server == "10.2.0.40:443");
        LadderEvent icmp = Assert.Single(mtu.Events, e => e.Kind == LadderEventKind.IcmpError);
        Assert.Contains("ICMP from 10.1.0.1", icmp.Label, StringComparison.Ordinal);
        Assert.Contains("MTU 1400", icmp.Label, StringComparison.Ordinal);
        Assert.Equal(LadderEventKind.Retransmission, mtu.Events[^1].Kind);
    }

    [Fact]
    public void A_long_flow_keeps_its_first_packets_and_counts_the_rest()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50400", "10.2.0.50:8080").Handshake().ClientSends(20_000).Reset(fromClient: false);

        LadderDiagram ladder = Assert.Single(Ladders(s, maxEvents: 5));

        Assert.Equal(5, ladder.Events.Count);
        Assert.True(ladder.More > 10, $"{ladder.More} packets left out");
    }

    [Fact]
    public void A_healthy_capture_has_no_ladder()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake().ClientSends(600).ServerSends(2_000).Close();
        Assert.Empty(Ladders(s));
    }
}
