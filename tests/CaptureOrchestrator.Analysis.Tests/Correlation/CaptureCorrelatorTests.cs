using CaptureOrchestrator.Analysis.Correlation;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Correlation;

public sealed class CaptureCorrelatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static CorrelationInput Index(string name, ScenarioBuilder scenario)
    {
        var index = new FlowIndex();
        using var stream = new MemoryStream(scenario.ToArray());
        Diagnosis.Run(stream, [index]);
        return new CorrelationInput(name, index.Flows);
    }

    private static void Healthy(ScenarioBuilder s, string client = "10.1.0.4:50000") =>
        s.Tcp(client, "10.2.0.10:443").Handshake().ClientSends(500).ServerSends(4000).Close();

    [Fact]
    public void Packets_that_leave_the_vm_but_never_reach_the_server_are_located()
    {
        var vm = new ScenarioBuilder(Start);
        Healthy(vm);
        vm.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(20)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
        var server = new ScenarioBuilder(Start);
        Healthy(server);

        IReadOnlyList<CorrelatedFlow> flows = CaptureCorrelator.Correlate([Index("vm.pcap", vm), Index("server.pcap", server)]);

        CorrelatedFlow lost = Assert.Single(flows, f => f.Verdict is not null);
        Assert.Equal("10.3.0.5:3389", lost.Server);
        Assert.Equal(0, lost.LostBetween);
        Assert.Contains("reach vm.pcap but never appear in server.pcap", lost.Verdict, StringComparison.Ordinal);
        Finding finding = Assert.Single(CaptureCorrelator.Findings(flows, ["vm.pcap", "server.pcap"]));
        Assert.Equal(FindingCodes.PacketsLostBetweenHops, finding.Code);
        Assert.Contains("between vm.pcap and server.pcap", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Replies_lost_on_the_way_back_are_located()
    {
        var client = new ScenarioBuilder(Start);
        client.Tcp("10.1.0.4:50002", "10.2.0.20:1433").Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
        var server = new ScenarioBuilder(Start);
        server.Tcp("10.1.0.4:50002", "10.2.0.20:1433").Syn().SynAck().Wait(TimeSpan.FromSeconds(1)).Retransmit().SynAck();

        CorrelatedFlow flow = Assert.Single(CaptureCorrelator.Correlate([Index("client.pcap", client), Index("server.pcap", server)]));

        Assert.Contains("Replies", flow.Verdict, StringComparison.Ordinal);
        Assert.Contains("leave server.pcap but never reach client.pcap", flow.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Flows_are_matched_across_source_nat_and_not_reported_lost()
    {
        var inside = new ScenarioBuilder(Start);
        Healthy(inside, "10.1.0.4:50000");
        var outside = new ScenarioBuilder(Start.AddMilliseconds(3)); // another capture point's clock
        Healthy(outside, "20.50.1.1:50000");

        CorrelatedFlow flow = Assert.Single(CaptureCorrelator.Correlate([Index("vm.pcap", inside), Index("firewall.pcap", outside)]));

        Assert.True(flow.MatchedByNat);
        Assert.Null(flow.Verdict);
        Assert.All(flow.Hops, h => Assert.NotNull(h));
    }

    [Fact]
    public void A_single_capture_has_nothing_to_correlate() =>
        Assert.Empty(CaptureCorrelator.Correlate([new CorrelationInput("one.pcap", [])]));
}
