using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Engine;

/// <summary>
/// Every real capture in ../shared/captures against the tshark 4.0 ground truth of MANIFEST.md.
/// Deliberate differences are asserted explicitly (and documented in docs/analysis-engine.md).
/// </summary>
public sealed class SharedCaptureGroundTruthTests
{
    /// <summary>
    /// Captures where every frame was recorded twice: tshark calls the copies retransmissions,
    /// the engine recognises them as duplicated frames (same IP ID and segment within 100 µs).
    /// </summary>
    private static readonly HashSet<string> DuplicatedFrameCaptures = ["zeek__m57-long-49583-80.pcap", "tcpdump__pptp.pcap"];

    [SharedCapturesTheory]
    [MemberData(nameof(Files))]
    public void Every_capture_is_either_analysed_or_refused_with_an_offset(string file)
    {
        Assert.True(SharedCaptures.Manifest.Has(file), $"{file} is in the folder but not in MANIFEST.md");
        if (SharedCaptures.UnreadableHeaders.Contains(file))
        {
            var error = Assert.Throws<CaptureFormatException>(() => Analyze.File(SharedCaptures.PathOf(file)));
            Assert.InRange(error.Offset, 0, new FileInfo(SharedCaptures.PathOf(file)).Length);
            return;
        }

        CaptureAnalysis analysis = Analyze.File(SharedCaptures.PathOf(file));
        Assert.Equal(SharedCaptures.Manifest.TsharkFailed(file), analysis.Capture.ReadError is not null);
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Packet_count_equals_tshark(string file)
    {
        CaptureAnalysis analysis = Analyze.File(SharedCaptures.PathOf(file));
        Assert.Equal(SharedCaptures.Manifest.Count(file, "packets"), analysis.Capture.Packets);
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Tcp_conversation_count_equals_tshark_conv_tcp(string file)
    {
        CaptureAnalysis analysis = Analyze.File(SharedCaptures.PathOf(file));
        Assert.Equal(SharedCaptures.Manifest.Count(file, "TCP streams (conv,tcp)"), analysis.Flows.TcpFlows);
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Tcp_event_counts_equal_tshark(string file)
    {
        Manifest m = SharedCaptures.Manifest;
        CaptureAnalysis analysis = Analyze.File(SharedCaptures.PathOf(file));
        Assert.Equal(m.Count(file, "RST pkts"), analysis.Capture.TcpResetPackets);
        Assert.Equal(m.Count(file, "zero-win"), analysis.Flows.ZeroWindows);
        Assert.Equal(m.Count(file, "SYN pkts"), analysis.Capture.TcpSynPackets);
        Assert.Equal(m.Count(file, "SYN-ACK pkts"), analysis.Capture.TcpSynAckPackets);
        if (DuplicatedFrameCaptures.Contains(file))
        {
            Assert.Equal(0, analysis.Flows.Retransmissions);
            Assert.True(analysis.Flows.DuplicateFrames >= m.Count(file, "retrans"), "each tshark 'retransmission' here is a duplicated frame");
        }
        else
        {
            Assert.Equal(m.Count(file, "retrans"), analysis.Flows.Retransmissions);
        }
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Icmp_and_fragment_counts_equal_tshark(string file)
    {
        Manifest m = SharedCaptures.Manifest;
        CaptureAnalysis analysis = Analyze.File(SharedCaptures.PathOf(file));
        Assert.Equal(m.Count(file, "ICMP 3/4"), analysis.Capture.IcmpFragmentationNeeded);
        Assert.Equal(m.Count(file, "ICMPv6 PTB"), analysis.Capture.Icmpv6PacketTooBig);
        Assert.Equal(m.Count(file, "IPv4 frag pkts"), analysis.Fragments.FragmentFrames);
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Syn_without_syn_ack_streams_equal_tshark(string file)
    {
        // Manifest cell: "total (silent + RST-answered)" or "0".
        string cell = SharedCaptures.Manifest.Cell(file, "SYN w/o SYN-ACK streams (silent + RST-answered)");
        long[] numbers = System.Text.RegularExpressions.Regex.Matches(cell, @"\d+").Select(m => long.Parse(m.Value)).ToArray();
        CaptureAnalysis analysis = Analyze.File(SharedCaptures.PathOf(file));
        Assert.Equal(numbers[0], analysis.Flows.SynWithoutSynAckSilent + analysis.Flows.SynWithoutSynAckReset);
        if (numbers.Length == 3)
        {
            Assert.Equal(numbers[1], analysis.Flows.SynWithoutSynAckSilent);
            Assert.Equal(numbers[2], analysis.Flows.SynWithoutSynAckReset);
        }
    }

    [SharedCapturesFact]
    public void Damaged_files_report_where_reading_stopped()
    {
        CaptureAnalysis bogusLength = Analyze.File(SharedCaptures.PathOf("suricata-verify__tls_DER-incomplete-header.pcap"));
        Assert.Contains("4325376", bogusLength.Capture.ReadError!.Reason, StringComparison.Ordinal);

        CaptureAnalysis cutShort = Analyze.File(SharedCaptures.PathOf("suricata-verify__http-mime-truncated__input.pcap"));
        Assert.Equal(new FileInfo(SharedCaptures.PathOf("suricata-verify__http-mime-truncated__input.pcap")).Length - 1, cutShort.Capture.ReadError!.Offset);
    }

    [SharedCapturesFact]
    public void Malformed_packets_are_counted_not_fatal()
    {
        CaptureAnalysis totalLength = Analyze.File(SharedCaptures.PathOf("tcpdump__ipv4_invalid_total_length.pcap"));
        Assert.Equal(1, totalLength.Capture.MalformedPackets);
        Assert.Contains("total length", totalLength.Capture.MalformedExamples[0].Detail, StringComparison.Ordinal);

        CaptureAnalysis overlapping = Analyze.File(SharedCaptures.PathOf("zeek__fragmented-1.pcap"));
        Assert.Equal(1, overlapping.Fragments.Overlapping);

        CaptureAnalysis cutHeader = Analyze.File(SharedCaptures.PathOf("tcpdump__tcp_header_heapoverflow.pcap"));
        Assert.Equal(1, cutHeader.Capture.TruncatedPackets);
        Assert.Equal(0, cutHeader.Flows.TcpFlows);
    }

    [SharedCapturesFact]
    public void Tunnels_are_followed_to_the_inner_conversation()
    {
        Assert.Equal(10, Analyze.File(SharedCaptures.PathOf("zeek__vxlan.pcap")).Capture.VxlanPackets);
        Assert.Equal(40, Analyze.File(SharedCaptures.PathOf("zeek__gre-sample.pcap")).Capture.GrePackets);
        CaptureAnalysis erspan = Analyze.File(SharedCaptures.PathOf("zeek__erspan.pcap"));
        Assert.True(erspan.Fragments.Reassembled > 0, "fragmented GRE outer packets are reassembled before the inner packet is decoded");
        Assert.Equal(5, erspan.Flows.TcpFlows);
    }

    [SharedCapturesFact]
    public void Ipsec_traffic_is_recognised()
    {
        Manifest m = SharedCaptures.Manifest;
        CaptureAnalysis natT = Analyze.File(SharedCaptures.PathOf("tcpdump__isakmp4500.pcap"));
        string[] isakmpEspUdp4500 = m.Cell("tcpdump__isakmp4500.pcap", "ISAKMP / ESP / UDP 4500").Split('/', StringSplitOptions.TrimEntries);
        Assert.Equal(long.Parse(isakmpEspUdp4500[0]), natT.Capture.IkePackets);
        Assert.Equal(long.Parse(isakmpEspUdp4500[1]), natT.Capture.EspPackets);

        CaptureAnalysis ikev2 = Analyze.File(SharedCaptures.PathOf("tcpdump__ikev2four.pcap"));
        Assert.Equal(21, ikev2.Capture.IkePackets);
    }

    public static TheoryData<string> Files() => SharedCaptures.AllFiles();

    public static TheoryData<string> ReadableFiles() => SharedCaptures.ReadableFiles();
}
