using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Flows;

public sealed class ConnectionStateTests
{
    private static Flow Single(ScenarioBuilder scenario)
    {
        var capture = new CollectingObserver();
        var analyzer = new CaptureOrchestrator.Analysis.Engine.CaptureAnalyzer().AddObserver(capture);
        using var stream = new MemoryStream(scenario.ToArray());
        analyzer.Analyze(stream);
        return Assert.Single(capture.Flows);
    }

    [Fact]
    public void Complete_connection_is_SF_with_rtt_and_options()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:443").Handshake(TimeSpan.FromMilliseconds(20)).ClientSends(500).ServerSends(3000).Close();
        Flow flow = Single(s);

        Assert.Equal(ConnectionState.SF, flow.State);
        Assert.Equal("ShADadFf", flow.History.ToString());
        Assert.Equal(20.002, flow.HandshakeNanoseconds / 1e6, 3); // 20 ms plus 1 µs spacing after SYN and SYN-ACK
        Assert.Equal(1460, flow.Originator.Mss);
        Assert.Equal(7, flow.Responder.WindowScale);
        Assert.Equal(500, flow.Originator.PayloadBytes);
        Assert.Equal(3000, flow.Responder.PayloadBytes);
        Assert.Equal(1460, flow.Responder.LargestSegment);
        Assert.Equal(0, flow.Retransmissions);
        Assert.True(flow.Originator.DontFragmentPackets > 0);
    }

    [Fact]
    public void Unanswered_syn_is_S0_and_its_resends_are_retransmissions()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:3389").Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(2)).Retransmit();
        Flow flow = Single(s);

        Assert.Equal(ConnectionState.S0, flow.State);
        Assert.Equal(2, flow.Originator.Retransmissions);
        Assert.Equal(3, flow.Originator.Packets);
        Assert.Equal(0, flow.Responder.Packets);
    }

    [Fact]
    public void Syn_answered_by_rst_is_REJ()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:1433").Syn().RefuseSyn();
        Assert.Equal(ConnectionState.REJ, Single(s).State);
    }

    [Theory]
    [InlineData(false, ConnectionState.RSTR)]
    [InlineData(true, ConnectionState.RSTO)]
    public void Reset_after_data_names_who_reset_and_the_idle_time(bool byClient, ConnectionState expected)
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:8080").Handshake().ClientSends(100).Wait(TimeSpan.FromMinutes(5)).Reset(byClient);
        Flow flow = Single(s);

        Assert.Equal(expected, flow.State);
        Assert.Equal(byClient, flow.FirstResetByOriginator);
        Assert.InRange(flow.IdleBeforeResetNanoseconds / 1e9, 299.9, 300.1);
    }

    [Fact]
    public void Half_closed_states()
    {
        var s2 = new ScenarioBuilder();
        s2.Tcp("10.0.0.4:50000", "10.0.1.5:80").Handshake().Fin(fromClient: true);
        Assert.Equal(ConnectionState.S2, Single(s2).State);

        var s3 = new ScenarioBuilder();
        s3.Tcp("10.0.0.4:50000", "10.0.1.5:80").Handshake().Fin(fromClient: false);
        Assert.Equal(ConnectionState.S3, Single(s3).State);

        var s1 = new ScenarioBuilder();
        s1.Tcp("10.0.0.4:50000", "10.0.1.5:80").Handshake().ClientSends(10);
        Assert.Equal(ConnectionState.S1, Single(s1).State);
    }

    [Fact]
    public void Capture_that_starts_with_the_syn_ack_still_finds_the_client()
    {
        var late = new ScenarioBuilder();
        // Same conversation, but the capture begins after the SYN: build it, then drop the first packet.
        late.Tcp("10.0.0.4:50000", "10.0.1.5:443").Handshake().ClientSends(100).Close();
        byte[][] frames = late.Packets().Skip(1).Select(p => p.Frame).ToArray();
        var trimmed = new ScenarioBuilderFromFrames(frames);
        Flow flow = Single(trimmed.Builder);

        Assert.Equal(NetAddressOf("10.0.0.4"), flow.OriginatorAddress);
        Assert.Equal(443, flow.ResponderPort);
    }

    [Fact]
    public void Zero_window_and_out_of_order_are_counted_per_direction()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:443").Handshake(TimeSpan.FromMilliseconds(50)).ServerSends(3000).ZeroWindow(fromClient: true).ZeroWindow(fromClient: true);
        Flow flow = Single(s);

        Assert.Equal(2, flow.Originator.ZeroWindows);
        Assert.Contains('W', flow.History.ToString());
    }

    [Fact]
    public void Port_reuse_after_close_starts_a_new_connection()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:443").Handshake().ClientSends(10).Close();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:443", TimeSpan.FromSeconds(1), initialSequence: 77_000_000).Handshake().ClientSends(10).Close();

        var analysis = Analyze.Scenario(s);
        Assert.Equal(2, analysis.Flows.TcpFlows);
        Assert.Equal(2, analysis.Flows.TcpStates[ConnectionState.SF]);
    }

    private static CaptureOrchestrator.Analysis.Decoding.NetAddress NetAddressOf(string text) => CaptureOrchestrator.Analysis.Decoding.NetAddress.Parse(text);

    private sealed class CollectingObserver : IFlowObserver
    {
        public List<Flow> Flows { get; } = [];

        public void OnFlowFinished(Flow flow) => Flows.Add(flow.Snapshot());
    }

    /// <summary>Wraps prepared frames in a builder so they go through the normal writer.</summary>
    private sealed class ScenarioBuilderFromFrames
    {
        public ScenarioBuilderFromFrames(byte[][] frames)
        {
            Builder = new ScenarioBuilder();
            long t = Builder.StartNanoseconds;
            foreach (byte[] frame in frames)
            {
                Builder.AddFrame(t += 1000, frame);
            }
        }

        public ScenarioBuilder Builder { get; }
    }
}

public sealed class IcmpAttributionTests
{
    [Fact]
    public void Fragmentation_needed_is_attached_to_the_flow_whose_packet_it_quotes()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:443").Handshake().Segment(true, 1460).IcmpErrorFrom(s, "10.0.0.1", 3, 4, mtu: 1400);
        var collected = new List<Flow>();
        var analyzer = new CaptureOrchestrator.Analysis.Engine.CaptureAnalyzer().AddObserver(new Collector(collected));
        using var stream = new MemoryStream(s.ToArray());
        analyzer.Analyze(stream);

        Flow tcp = Assert.Single(collected, f => f.IsTcp);
        IcmpErrorEvent error = Assert.Single(tcp.IcmpErrors);
        Assert.Equal(1400, error.Mtu);
        Assert.Equal(CaptureOrchestrator.Analysis.Decoding.NetAddress.Parse("10.0.0.1"), error.Reporter);
        Assert.Contains(collected, f => f.Protocol == CaptureOrchestrator.Analysis.Decoding.IpProtocol.Icmp);
    }

    [SharedCapturesFact]
    public void Real_icmp_errors_are_attributed()
    {
        var collected = new List<Flow>();
        var analyzer = new CaptureOrchestrator.Analysis.Engine.CaptureAnalyzer().AddObserver(new Collector(collected));
        using (FileStream stream = File.OpenRead(SharedCaptures.PathOf("zeek__smtp.pcap")))
        {
            analyzer.Analyze(stream);
        }

        // Four fragmentation-needed errors with next-hop MTU 1492 quote the SMTP upload (MANIFEST.md).
        List<IcmpErrorEvent> errors = collected.SelectMany(f => f.IcmpErrors).ToList();
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.Equal(1492, e.Mtu));
    }

    private sealed class Collector(List<Flow> flows) : IFlowObserver
    {
        public void OnFlowFinished(Flow flow) => flows.Add(flow.Snapshot());
    }
}
