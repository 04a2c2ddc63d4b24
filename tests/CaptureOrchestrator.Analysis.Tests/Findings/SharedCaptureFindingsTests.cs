using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

/// <summary>The catalogue on real captures: where MANIFEST.md says a capture shows a problem, the finding fires.</summary>
public sealed class SharedCaptureFindingsTests
{
    [SharedCapturesTheory]
    [InlineData("chrissanders-packets__nowebaccess3.pcapng", FindingCodes.TcpSynUnanswered)]
    [InlineData("pcapplusplus__one_tcp_rst.pcap", FindingCodes.TcpConnectionRefused)]
    [InlineData("pcapplusplus__pcapng-example.pcapng", FindingCodes.TcpConnectionRefused)]
    [InlineData("suricata-verify__flow-drop-iponly-02__input.pcap", FindingCodes.IcmpUnreachable)]
    [InlineData("zeek__gre-sample.pcap", FindingCodes.IcmpUnreachable)]
    [InlineData("zeek__rst-inject-rae.pcap", FindingCodes.TcpResetMidstream)]
    [InlineData("pcapplusplus__one_http_stream_rst.pcap", FindingCodes.TcpResetMidstream)]
    [InlineData("pcapplusplus__raw_ip.pcap", FindingCodes.AsymmetricRouting)]
    [InlineData("zeek__206_example_b.pcap", FindingCodes.TcpRetransmissions)]
    [InlineData("zeek__retransmit-fast009.pcap", FindingCodes.TcpRetransmissions)]
    [InlineData("chrissanders-packets__tcp_zerowindowdead.pcapng", FindingCodes.TcpZeroWindow)]
    [InlineData("suricata-verify__http-mime-truncated__input.pcap", FindingCodes.TcpZeroWindow)]
    [InlineData("zeek__smtp.pcap", FindingCodes.IcmpFragmentationNeeded)]
    [InlineData("suricata-verify__toobig.pcap", FindingCodes.IcmpFragmentationNeeded)]
    [InlineData("pcapplusplus__ip4_fragments.pcap", FindingCodes.IpFragmentation)]
    [InlineData("zeek__fragmented-1.pcap", FindingCodes.IpFragmentsOutOfOrder)]
    [InlineData("zeek__fragmented-1.pcap", FindingCodes.IpFragmentOverlap)]
    [InlineData("zeek__tls-1.2-handshake-failure.pcap", FindingCodes.TlsAlert)]
    [InlineData("zeek__certificate-request-failed.pcap", FindingCodes.TlsAlert)]
    [InlineData("zeek__missing-intermediate.pcap", FindingCodes.TlsIncompleteChain)]
    [InlineData("suricata-verify__dns-udp-nxdomain-soa.pcap", FindingCodes.DnsFailure)]
    [InlineData("zeek__erspan.pcap", FindingCodes.DnsFailure)]
    [InlineData("tcpdump__isakmp4500.pcap", FindingCodes.IpsecNatTraversal)]
    [InlineData("zeek__m57-long-49583-80.pcap", FindingCodes.CaptureDuplicateFrames)]
    [InlineData("tcpdump__pptp.pcap", FindingCodes.CaptureDuplicateFrames)]
    [InlineData("suricata-verify__tls_DER-incomplete-header.pcap", FindingCodes.CaptureDamaged)]
    [InlineData("tcpdump__ipv4_invalid_total_length.pcap", FindingCodes.MalformedPackets)]
    public void Finding_fires_on_the_real_capture_that_shows_it(string file, string code)
    {
        DiagnosisResult result = Analyze.DiagnoseFile(SharedCaptures.PathOf(file));
        Assert.Contains(result.Findings, f => f.Code == code);
    }

    [SharedCapturesTheory]
    [InlineData("zeek__get.trace")]
    [InlineData("tcpdump__tcp-handshake-nano.pcap")]
    [InlineData("pcapplusplus__nanosecs_big_endian.pcap")]
    [InlineData("suricata-verify__decode-sll2-01__input.pcap")]
    [InlineData("zeek__pcapng-multi-interface.pcapng")]
    [InlineData("zeek__tls1.2.pcap")]
    public void Clean_real_captures_are_healthy(string file)
    {
        DiagnosisResult result = Analyze.DiagnoseFile(SharedCaptures.PathOf(file));
        Assert.Equal(FindingCodes.Healthy, result.Findings[0].Code);
        Assert.DoesNotContain(result.Findings, f => f.Severity >= FindingSeverity.Warning);
    }

    [SharedCapturesFact]
    public void Reported_details_match_the_manifest()
    {
        // smtp: 4 fragmentation-needed messages with next-hop MTU 1492; toobig: ICMPv6 MTU 1200.
        Finding smtp = Assert.Single(Analyze.DiagnoseFile(SharedCaptures.PathOf("zeek__smtp.pcap")).Findings, f => f.Code == FindingCodes.IcmpFragmentationNeeded);
        Assert.Equal(1492, smtp.Facts["nextHopMtu"]);
        Assert.Equal(4, smtp.Facts["icmpMessages"]);
        Finding tooBig = Assert.Single(Analyze.DiagnoseFile(SharedCaptures.PathOf("suricata-verify__toobig.pcap")).Findings, f => f.Code == FindingCodes.IcmpFragmentationNeeded);
        Assert.Equal(1200, tooBig.Facts["nextHopMtu"]);

        // erspan: 2 NXDOMAIN and 3 SERVFAIL responses. One SERVFAIL answers the reverse lookup
        // 2.69.168.192.in-addr.arpa: no connection waits on it, so it is background context
        // (DNS_BACKGROUND_LOOKUPS), not a DNS failure; the manifest's total still holds.
        DiagnosisResult erspan = Analyze.DiagnoseFile(SharedCaptures.PathOf("zeek__erspan.pcap"));
        Assert.Equal(2, erspan.Findings.Where(f => f.Code == FindingCodes.DnsFailure && f.Facts["rcode"] == 3).Sum(f => f.Facts["responses"]));
        Assert.Equal(2, erspan.Findings.Where(f => f.Code == FindingCodes.DnsFailure && f.Facts["rcode"] == 2).Sum(f => f.Facts["responses"]));
        Finding reverse = Assert.Single(erspan.Findings, f => f.Code == FindingCodes.DnsBackgroundLookups);
        Assert.Equal(1, reverse.Facts["lookups"]);
        Assert.Contains("2.69.168.192.in-addr.arpa", reverse.Title, StringComparison.Ordinal);
        Assert.Equal(FindingSeverity.Info, reverse.Severity);
    }
}
