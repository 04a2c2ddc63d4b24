using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Tests.Writing;

/// <summary>What the project's writer produces, read back by tshark: the files must be valid captures.</summary>
public sealed class WriterCrossCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("co-writer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ScenarioBuilder Scenario()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.0.0.4:50000", "10.0.1.5:443").Handshake(TimeSpan.FromMilliseconds(4)).ClientSends(700).ServerSends(5000).Retransmit().Close();
        s.Tcp("[2001:db8::4]:50001", "[2001:db8::5]:80", TimeSpan.FromMilliseconds(3)).Handshake().ClientSends(100).Reset(fromClient: false);
        s.Tcp("10.0.0.4:50002", "10.0.1.9:3389", TimeSpan.FromMilliseconds(5)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
        s.Udp("10.0.0.4:53000", "168.63.129.16:53", TimeSpan.FromMilliseconds(1)).Send(true, 30).Send(false, 60);
        TcpConversation big = s.Tcp("10.0.0.4:50003", "10.0.1.7:443", TimeSpan.FromMilliseconds(7));
        big.Handshake().Segment(true, 1460).IcmpErrorFrom(s, "10.0.0.1", 3, 4, mtu: 1400);
        return s;
    }

    [RequiresTsharkTheory]
    [InlineData(CaptureFileFormat.Pcap)]
    [InlineData(CaptureFileFormat.PcapNanoseconds)]
    [InlineData(CaptureFileFormat.PcapNg)]
    public void Tshark_reads_every_packet_with_the_fields_we_wrote(CaptureFileFormat format)
    {
        ScenarioBuilder scenario = Scenario();
        string file = Path.Combine(_directory, $"scenario-{format}.pcap");
        File.WriteAllBytes(file, scenario.ToArray(format));

        string[] lines = Tshark.Run("-n", "-r", file, "-T", "fields", "-E", "separator=,", "-E", "aggregator=;",
            "-e", "frame.len", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "tcp.flags", "-e", "_ws.malformed")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        (long ns, byte[] frame)[] written = scenario.Packets().ToArray();

        Assert.Equal(written.Length, lines.Length);
        for (int i = 0; i < written.Length; i++)
        {
            string[] fields = lines[i].Split(',');
            Assert.Equal(written[i].frame.Length, int.Parse(fields[0]));
            Assert.Equal(string.Empty, fields[6]); // tshark finds nothing malformed
        }

        Assert.Contains("10.0.0.4", lines[0], StringComparison.Ordinal);
    }

    [RequiresTsharkFact]
    public void Engine_and_tshark_agree_on_the_written_capture()
    {
        ScenarioBuilder scenario = Scenario();
        string file = Path.Combine(_directory, "agree.pcapng");
        File.WriteAllBytes(file, scenario.ToArray(CaptureFileFormat.PcapNg));

        CaptureAnalysis ours = Analyze.File(file);
        long tsharkRetransmissions = CountFrames(file, "tcp.analysis.retransmission");
        long tsharkFragNeeded = CountFrames(file, "icmp.type==3 && icmp.code==4");
        long tsharkStreams = Tshark.Run("-n", "-q", "-r", file, "-z", "conv,tcp").Split('\n').Count(l => l.Contains("<->", StringComparison.Ordinal));

        Assert.Equal(tsharkStreams, ours.Flows.TcpFlows);
        Assert.Equal(tsharkRetransmissions, ours.Flows.Retransmissions);
        Assert.Equal(tsharkFragNeeded, ours.Capture.IcmpFragmentationNeeded);
        Assert.Equal(4, ours.Flows.TcpFlows);
    }

    [RequiresTsharkFact]
    public void Mixed_traffic_generator_output_is_valid_for_tshark()
    {
        string file = Path.Combine(_directory, "mixed.pcap");
        GeneratedTraffic generated;
        using (var stream = File.Create(file))
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            generated = new MixedTrafficGenerator(seed: 5).Write(writer, 3_000_000);
        }

        string[] counts = Tshark.Run("-n", "-q", "-r", file, "-z", "io,stat,0").Split('\n');
        Assert.Contains(counts, l => l.Contains($"| {generated.Packets} ", StringComparison.Ordinal) || l.Contains($"|{generated.Packets} ", StringComparison.Ordinal) || l.Contains($" {generated.Packets} |", StringComparison.Ordinal));
        // The payload bytes are arbitrary, so application dissectors (HTTP, TDS, ...) may call them
        // malformed; only the headers the writer builds are checked here.
        Assert.Equal(0, CountFrames(file, "_ws.malformed", "http", "tds", "ssh", "pgsql", "tls", "tpkt"));
        // tshark flags a frame captured twice as a retransmission; the engine tells the two apart.
        Assert.Equal(generated.Retransmissions + (2 * generated.UnansweredFlows) + generated.DuplicateFrames, CountFrames(file, "tcp.analysis.retransmission"));
        Assert.True(generated.DuplicateFrames > 0 && generated.DnsLookups > 0);
        CaptureAnalysis ours = Analyze.File(file);
        Assert.Equal(generated.DuplicateFrames, ours.Flows.DuplicateFrames);
        Assert.Equal(generated.Retransmissions + (2 * generated.UnansweredFlows), ours.Flows.Retransmissions);
        Assert.Equal(CountFrames(file, "dns"), 2 * generated.DnsLookups);

        // The application layer is real enough for both parsers: the same ClientHellos and DNS queries.
        var diagnosis = Analyze.DiagnoseFile(file);
        Assert.Equal(CountFrames(file, "tls.handshake.type==1"), diagnosis.Tls.ClientHellos);
        Assert.Equal(CountFrames(file, "tls.handshake.type==11"), diagnosis.Tls.CertificateMessages);
        Assert.Equal(generated.DnsLookups, diagnosis.Dns.Queries);
    }

    private static long CountFrames(string file, string filter, params string[] disabledProtocols) =>
        Tshark.Run([
            "-n", "-r", file, "-Y", filter, "-T", "fields", "-e", "frame.number",
            .. disabledProtocols.SelectMany(p => new[] { "--disable-protocol", p }),
        ]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
}
