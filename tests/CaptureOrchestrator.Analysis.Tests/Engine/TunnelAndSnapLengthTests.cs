using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Engine;

/// <summary>
/// Tunnels and capture limits, counted as tshark counts them: every GRE frame whatever its payload
/// type, the outer UDP conversation of VXLAN as a flow, and a file cut by a tiny snap length
/// reported as exactly that.
/// </summary>
public sealed class TunnelAndSnapLengthTests : IDisposable
{
    private static readonly Endpoint TunnelA = Endpoint.Parse("192.168.10.1:40000");
    private static readonly Endpoint TunnelB = Endpoint.Parse("192.168.10.2:4789");
    private readonly string _directory = Directory.CreateTempSubdirectory("co-tunnels-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static byte[] Gre(ushort protocolType, byte[] payload)
    {
        byte[] frame = new byte[payload.Length + 64];
        return frame[..PacketFactory.Gre(frame, NetAddress.Parse("203.0.113.5"), NetAddress.Parse("198.51.100.7"), protocolType, payload)];
    }

    private static byte[] InnerSyn(string client, string server)
    {
        byte[] frame = new byte[200];
        int length = PacketFactory.Tcp(frame, new TcpSegment(Endpoint.Parse(client), Endpoint.Parse(server), 100, 0, TcpFlags.Syn, 0, Mss: 1460));
        return frame[..length];
    }

    /// <summary>The frames, 1 ms apart, as a capture file with <paramref name="snapLength"/>.</summary>
    private string Write(string name, IEnumerable<byte[]> frames, int snapLength = 262_144)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, SnapLength.Write(frames.Select((frame, i) => (1_767_225_600_000_000_000 + ((i + 1) * 1_000_000L), frame)), snapLength));
        return path;
    }

    private string GreMix()
    {
        var frames = new List<byte[]>();
        for (int i = 0; i < 30; i++)
        {
            frames.Add(Gre(0x8909, new byte[40 + i])); // a payload type the decoder does not follow
        }

        for (int i = 0; i < 5; i++)
        {
            frames.Add(Gre(0x6558, InnerSyn($"10.9.0.{i + 1}:5000{i}", "10.9.1.1:443")));      // transparent Ethernet bridging
            frames.Add(Gre(0x0800, InnerSyn($"10.8.0.{i + 1}:5100{i}", "10.8.1.1:22")[14..])); // IPv4
        }

        return Write("gre.pcap", frames);
    }

    [Fact]
    public void Every_gre_frame_counts_whatever_its_payload_type()
    {
        CaptureAnalysis analysis = Analyze.File(GreMix());

        Assert.Equal(40, analysis.Capture.GrePackets);
        Assert.Equal(0, analysis.Capture.MalformedPackets);
        // Followed payloads are analysed as the inner conversations; the rest stay the GRE conversation.
        Assert.Equal(10, analysis.Flows.TcpFlows);
        Assert.Equal(1, analysis.Flows.OtherFlows);
        Flow gre = Assert.Single(analysis.Flows.NotableFlows(100), f => f.Protocol == IpProtocol.Gre);
        Assert.Equal(30, gre.Originator.Packets + gre.Responder.Packets);
    }

    [RequiresTsharkFact]
    public void Gre_count_matches_tshark()
    {
        string file = GreMix();
        int tshark = Tshark.Run("-n", "-r", file, "-Y", "gre", "-T", "fields", "-e", "frame.number").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(tshark, Analyze.File(file).Capture.GrePackets);
    }

    private string VxlanPair()
    {
        var frames = new List<byte[]>();
        for (int i = 0; i < 5; i++)
        {
            foreach ((Endpoint from, Endpoint to, byte[] inner) in new[]
            {
                (TunnelA, TunnelB, InnerSyn($"10.0.0.1:{50000 + i}", "10.0.0.2:80")),
                (new Endpoint(TunnelB.Address, 40001), new Endpoint(TunnelA.Address, 4789), InnerSyn($"10.0.0.2:{51000 + i}", "10.0.0.1:22")),
            })
            {
                byte[] frame = new byte[400];
                int length = PacketFactory.Udp(frame, from, to, [0x08, 0, 0, 0, 0, 0, 0x2A, 0, .. inner]);
                frames.Add(frame[..length]);
            }
        }

        return Write("vxlan.pcap", frames);
    }

    [Fact]
    public void Vxlan_outer_udp_conversation_is_a_flow_beside_the_inner_ones()
    {
        CaptureAnalysis analysis = Analyze.File(VxlanPair());

        Assert.Equal(10, analysis.Capture.VxlanPackets);
        Assert.Equal(10, analysis.Flows.TcpFlows); // inner SYNs
        Assert.Equal(2, analysis.Flows.UdpFlows);
        List<Flow> outer = analysis.Flows.NotableFlows(100).Where(f => f.Protocol == IpProtocol.Udp).ToList();
        Assert.Equal(2, outer.Count); // 40000 → 4789 and 40001 → 4789, as conv,udp lists them
        Assert.All(outer, f => Assert.Equal(4789, f.ResponderPort));
        Assert.All(outer, f => Assert.Equal(5, f.Originator.Packets));
        Assert.Equal(10, analysis.Capture.IpPackets); // a frame is still one packet
    }

    [RequiresTsharkFact]
    public void Vxlan_udp_conversations_match_tshark_conv_udp()
    {
        string file = VxlanPair();
        int tshark = Tshark.Run("-n", "-q", "-r", file, "-z", "conv,udp").Split('\n').Count(l => l.Contains("<->", StringComparison.Ordinal));
        Assert.Equal(tshark, Analyze.File(file).Flows.UdpFlows);
    }

    private static IEnumerable<byte[]> Traffic()
    {
        var s = new ScenarioBuilder();
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake(TimeSpan.FromMilliseconds(2)).ClientSends(600).ServerSends(5000).Close();
        return s.Packets().Select(p => p.Frame);
    }

    [Fact]
    public void A_tiny_snap_length_is_named_with_its_value_not_called_empty()
    {
        DiagnosisResult result = Analyze.DiagnoseFile(Write("snap20.pcap", Traffic(), snapLength: 20));

        Finding top = result.Findings[0];
        Assert.Equal(FindingCodes.CaptureSnapLengthTooShort, top.Code);
        Assert.Equal(FindingSeverity.Warning, top.Severity);
        Assert.Equal(20, top.Facts["snapLength"]);
        Assert.StartsWith("The capture cannot be analysed: every frame was cut at the snap length of 20 bytes", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("Maximum bytes per packet", top.NextStep, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Findings, f => f.Code is FindingCodes.CaptureEmpty or FindingCodes.Healthy);
    }

    [Fact]
    public void Near_miss_a_snap_length_that_keeps_the_headers_is_no_finding()
    {
        DiagnosisResult result = Analyze.DiagnoseFile(Write("snap128.pcap", Traffic(), snapLength: 128));

        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.CaptureSnapLengthTooShort);
        Assert.Equal(FindingCodes.Healthy, result.Findings[0].Code);
        Assert.True(result.Analysis.Capture.TruncatedPackets > 0); // payloads were cut; that alone is fine
    }
}
