using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;
using static CaptureOrchestrator.Analysis.Scenarios.TlsMessageBuilder;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

/// <summary>
/// For every finding code: a generated capture where it must fire, and a near-miss of the same
/// shape where it must not (no false positives on healthy traffic).
/// </summary>
public sealed class FindingCatalogueTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<Finding> Diagnose(ScenarioBuilder scenario, DiagnosisContext? context = null) => Analyze.Diagnose(scenario, context).Findings;

    private static Finding Fires(string code, ScenarioBuilder scenario, DiagnosisContext? context = null)
    {
        IReadOnlyList<Finding> findings = Diagnose(scenario, context);
        return Assert.Single(findings, f => f.Code == code);
    }

    private static void Quiet(string code, ScenarioBuilder scenario, DiagnosisContext? context = null)
    {
        IReadOnlyList<Finding> findings = Diagnose(scenario, context);
        Assert.DoesNotContain(findings, f => f.Code == code);
    }

    private static ScenarioBuilder Healthy()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake(TimeSpan.FromMilliseconds(2)).ClientSends(600).ServerSends(20_000).Close();
        s.Udp("10.1.0.4:53000", "168.63.129.16:53", TimeSpan.FromMilliseconds(5))
            .Send(true, DnsMessageBuilder.Query(7, "app.contoso.com")).Wait(TimeSpan.FromMilliseconds(3))
            .Send(false, DnsMessageBuilder.Response(7, "app.contoso.com", 0, "10.2.0.10"));
        return s;
    }

    [Fact]
    public void Healthy_traffic_gets_only_the_healthy_finding()
    {
        IReadOnlyList<Finding> findings = Diagnose(Healthy());
        Finding healthy = Assert.Single(findings);
        Assert.Equal(FindingCodes.Healthy, healthy.Code);
        Assert.Equal(1, healthy.Facts["completedHandshakes"]);
        Assert.Equal(0, healthy.Facts["retransmissions"]);
    }

    [Fact]
    public void Healthy_is_not_claimed_when_something_is_wrong()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(10)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
        Quiet(FindingCodes.Healthy, s);
    }

    [Fact]
    public void Syn_unanswered()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(10)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(2)).Retransmit();
        Finding finding = Fires(FindingCodes.TcpSynUnanswered, s);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Equal(3, finding.Facts["synPackets"]);
        Assert.Contains("IP flow verify", finding.NextStep, StringComparison.Ordinal);
        Assert.Contains("10.3.0.5:3389", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Syn_unanswered_near_miss_single_syn_at_the_very_end_of_the_capture()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(50)).Syn();
        Quiet(FindingCodes.TcpSynUnanswered, s);
    }

    [Fact]
    public void Connection_refused()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50002", "10.2.0.20:1433", TimeSpan.FromMilliseconds(10)).Syn().RefuseSyn();
        Assert.Contains("refuses", Fires(FindingCodes.TcpConnectionRefused, s).Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_refused_near_miss_reset_after_a_completed_exchange()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50002", "10.2.0.20:1433", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(100).ServerSends(100).Reset(fromClient: true);
        Quiet(FindingCodes.TcpConnectionRefused, s);
    }

    [Fact]
    public void Icmp_unreachable_is_attributed_to_the_flow()
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50003", "10.9.0.9:443", TimeSpan.FromMilliseconds(10));
        c.Syn().IcmpErrorFrom(s, "10.1.0.1", 3, 13);
        Finding finding = Fires(FindingCodes.IcmpUnreachable, s);
        Assert.Contains("administratively prohibited", finding.Title, StringComparison.Ordinal);
        Assert.Equal("10.1.0.4:50003", finding.Flow!.Client);
        Quiet(FindingCodes.TcpSynUnanswered, s); // the ICMP error is the answer
    }

    [Fact]
    public void Icmp_unreachable_near_miss_fragmentation_needed_is_not_unreachable()
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50003", "10.9.0.9:443", TimeSpan.FromMilliseconds(10));
        c.Handshake().Segment(true, 1460).IcmpErrorFrom(s, "10.1.0.1", 3, 4, mtu: 1400);
        Quiet(FindingCodes.IcmpUnreachable, s);
    }

    [Fact]
    public void Reset_midstream_says_who_and_after_how_much()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50004", "10.2.0.30:8080", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300).ServerSends(2000).Wait(TimeSpan.FromSeconds(1)).Reset(fromClient: false);
        Finding finding = Fires(FindingCodes.TcpResetMidstream, s);
        Assert.Equal(2300, finding.Facts["bytesBeforeReset"]);
        Assert.Equal(0, finding.Facts["resetByClient"]);
        Assert.StartsWith("10.2.0.30:8080 reset", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_midstream_near_miss_orderly_close()
    {
        Quiet(FindingCodes.TcpResetMidstream, Healthy());
    }

    [Fact]
    public void Idle_timeout_reset_after_four_minutes()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50005", "10.2.0.40:1433", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(200).ServerSends(500).Wait(TimeSpan.FromMinutes(5)).Reset(fromClient: false);
        Finding finding = Fires(FindingCodes.TcpIdleTimeoutReset, s);
        Assert.InRange(finding.Facts["idleSecondsBeforeReset"], 299, 301);
        Assert.Contains("idle timeout", finding.NextStep, StringComparison.Ordinal);
        Quiet(FindingCodes.TcpResetMidstream, s);
    }

    [Fact]
    public void Idle_timeout_near_miss_three_minutes_idle()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50005", "10.2.0.40:1433", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(200).Wait(TimeSpan.FromMinutes(3)).Reset(fromClient: false);
        Quiet(FindingCodes.TcpIdleTimeoutReset, s);
    }

    [Fact]
    public void Idle_timeout_is_the_silence_before_the_request_that_got_reset()
    {
        // Idle 5 minutes, then a request the Load Balancer no longer has state for: the client
        // resends it twice and the reset comes 50 ms after the last resend. The idle time is the
        // 5 minutes before the request, not the 50 ms before the RST.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50005", "10.2.0.40:1433", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(200).ServerSends(500)
            .Wait(TimeSpan.FromMinutes(5)).Segment(true, 300).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(600)).Retransmit()
            .Wait(TimeSpan.FromMilliseconds(50)).Reset(fromClient: false);
        Finding finding = Fires(FindingCodes.TcpIdleTimeoutReset, s);
        Assert.InRange(finding.Facts["idleSecondsBeforeReset"], 299, 301);
        Assert.Equal(FindingCodes.TcpIdleTimeoutReset, Diagnose(s)[0].Code);
        Quiet(FindingCodes.TcpResetMidstream, s);
    }

    [Fact]
    public void Idle_timeout_near_miss_the_server_answered_the_request_before_resetting()
    {
        // Same 5 idle minutes, but the server acknowledged and answered the request: it still had
        // the connection, so the later reset is the application's, not a lost LB/NAT state.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50005", "10.2.0.40:1433", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(200).ServerSends(500)
            .Wait(TimeSpan.FromMinutes(5)).ClientSends(300).ServerSends(100).Wait(TimeSpan.FromMilliseconds(50)).Reset(fromClient: false);
        Finding finding = Fires(FindingCodes.TcpResetMidstream, s);
        Assert.InRange(finding.Facts["idleSecondsBeforeReset"], 0.04, 0.06);
        Quiet(FindingCodes.TcpIdleTimeoutReset, s);
    }

    [Fact]
    public void Connection_reused_after_the_server_closed_it()
    {
        // The server closes a keep-alive connection; 45 s later the client's pool sends the next
        // request on it and the server's closed socket answers with a reset.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50009", "10.2.0.80:8080", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300).ServerSends(2000)
            .Wait(TimeSpan.FromSeconds(5)).Fin(fromClient: false).Ack()
            .Wait(TimeSpan.FromSeconds(45)).Segment(true, 400).Wait(TimeSpan.FromMilliseconds(25)).Reset(fromClient: false);
        Finding finding = Fires(FindingCodes.TcpReusedAfterClose, s);
        Assert.InRange(finding.Facts["reuseSecondsAfterClose"], 44.9, 45.1);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("keep-alive timeout", finding.Verdict, StringComparison.Ordinal);
        Assert.Contains("PooledConnectionIdleTimeout", finding.NextStep, StringComparison.Ordinal);
        Assert.Equal(FindingCodes.TcpReusedAfterClose, Diagnose(s)[0].Code);
        Quiet(FindingCodes.TcpResetMidstream, s);
        Quiet(FindingCodes.TcpIdleTimeoutReset, s);
    }

    [Fact]
    public void Connection_reused_near_miss_reset_on_an_open_connection()
    {
        // No FIN before the request: an ordinary reset by the server.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50009", "10.2.0.80:8080", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300).ServerSends(2000)
            .Wait(TimeSpan.FromSeconds(45)).Segment(true, 400).Wait(TimeSpan.FromMilliseconds(25)).Reset(fromClient: false);
        Fires(FindingCodes.TcpResetMidstream, s);
        Quiet(FindingCodes.TcpReusedAfterClose, s);
    }

    [Fact]
    public void Connection_reused_near_miss_client_resets_data_sent_after_its_own_close()
    {
        // The client closed first and the server kept sending: the client's reset is not a reuse race.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50009", "10.2.0.80:8080", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300)
            .Fin(fromClient: true).Ack(false).Wait(TimeSpan.FromMilliseconds(20)).Segment(false, 1000).Reset(fromClient: true);
        Quiet(FindingCodes.TcpReusedAfterClose, s);
    }

    [Fact]
    public void Asymmetric_path_syn_ack_never_reaches_the_client()
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50006", "10.2.0.50:443", TimeSpan.FromMilliseconds(10));
        c.Syn().SynAck().Wait(TimeSpan.FromSeconds(1)).Retransmit().SynAck().Wait(TimeSpan.FromSeconds(2)).Retransmit();
        Assert.Contains("never reached the client", Fires(FindingCodes.AsymmetricRouting, s).Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Asymmetric_path_near_miss_syn_ack_late_but_answered()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50006", "10.2.0.50:443", TimeSpan.FromMilliseconds(10)).Syn().Wait(TimeSpan.FromMilliseconds(300)).SynAck().Ack().ClientSends(100).Close();
        Quiet(FindingCodes.AsymmetricRouting, s);
    }

    [Fact]
    public void Asymmetric_path_only_the_servers_side_of_a_connection_is_seen()
    {
        // SYN-ACK and a response pass the capture point; the client's SYN and ACKs never do.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50010", "10.2.0.90:443", TimeSpan.FromMilliseconds(1)).SynAck().Wait(TimeSpan.FromMilliseconds(2))
            .Segment(false, 1400).Segment(false, 1400).Wait(TimeSpan.FromMilliseconds(300)).Retransmit();
        Finding finding = Fires(FindingCodes.AsymmetricRouting, s);
        Assert.Contains("one direction", finding.Title, StringComparison.Ordinal);
        Quiet(FindingCodes.Healthy, s);
    }

    [Fact]
    public void Asymmetric_path_near_miss_capture_joins_a_conversation_midway()
    {
        // No handshake in the capture, but both sides are heard: the capture started late.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50010", "10.2.0.90:443", TimeSpan.FromMilliseconds(1)).Segment(false, 1400).Ack().Segment(false, 1400).Ack().Segment(false, 1400).Ack()
            .Segment(false, 1400).Ack().Segment(false, 1400).Ack().Segment(false, 1400).Ack();
        Quiet(FindingCodes.AsymmetricRouting, s);
    }

    [Fact]
    public void Asymmetric_path_near_miss_a_lone_syn_ack_at_the_start_of_the_capture()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50010", "10.2.0.90:443", TimeSpan.FromMilliseconds(1)).SynAck();
        Quiet(FindingCodes.AsymmetricRouting, s);
    }

    [Fact]
    public void Retransmissions_with_timeout_backoff()
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50007", "10.2.0.60:443", TimeSpan.FromMilliseconds(10)).Handshake(TimeSpan.FromMilliseconds(2)).ServerSends(5000);
        c.Segment(false, 1000).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(600)).Retransmit().Wait(TimeSpan.FromMilliseconds(1200)).Retransmit().Ack(true);
        Finding finding = Fires(FindingCodes.TcpRetransmissions, s);
        Assert.Equal(3, finding.Facts["retransmissions"]);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Contains("backoff", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Retransmissions_near_miss_one_loss_in_a_large_transfer()
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50007", "10.2.0.60:443", TimeSpan.FromMilliseconds(10)).Handshake().ServerSends(200 * 1460);
        c.Segment(false, 1000).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Ack(true).Close();
        Quiet(FindingCodes.TcpRetransmissions, s);
    }

    [Fact]
    public void Zero_window_names_the_receiver()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50008", "10.2.0.70:443", TimeSpan.FromMilliseconds(10)).Handshake().ServerSends(10_000).ZeroWindow(fromClient: true).Wait(TimeSpan.FromMilliseconds(200)).ZeroWindow(fromClient: true);
        Finding finding = Fires(FindingCodes.TcpZeroWindow, s);
        Assert.StartsWith("10.1.0.4:50008 advertised a zero receive window 2 times", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_window_near_miss_small_but_open_window() => Quiet(FindingCodes.TcpZeroWindow, Healthy());

    private static ScenarioBuilder BlackHole(bool withIcmp)
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50009", "172.16.5.10:443", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300).ServerSends(400);
        c.Segment(false, 1460);
        if (withIcmp)
        {
            var icmpFrame = new byte[PacketFactory.MaxFrame];
            int length = PacketFactory.IcmpError(icmpFrame, CaptureOrchestrator.Analysis.Decoding.NetAddress.Parse("10.2.0.1"), c.Server.Address, 3, 4, 1400, c.LastFrame);
            s.AddFrame(c.Now, icmpFrame.AsSpan(0, length));
        }

        c.Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(600)).Retransmit().Wait(TimeSpan.FromMilliseconds(1200)).Retransmit();
        return s;
    }

    [Fact]
    public void Mtu_black_hole_large_segments_vanish_small_ones_pass() =>
        Assert.Contains("MTU black hole", Fires(FindingCodes.MtuBlackhole, BlackHole(withIcmp: false)).Title, StringComparison.Ordinal);

    [Fact]
    public void Mtu_black_hole_near_miss_icmp_arrives_so_pmtud_works()
    {
        ScenarioBuilder s = BlackHole(withIcmp: true);
        Quiet(FindingCodes.MtuBlackhole, s);
        Assert.Equal(1400, Fires(FindingCodes.IcmpFragmentationNeeded, s).Facts["nextHopMtu"]);
    }

    [Fact]
    public void Icmp_fragmentation_needed_near_miss_other_icmp() =>
        Quiet(FindingCodes.IcmpFragmentationNeeded, Healthy());

    [Fact]
    public void Mss_exceeds_tunnel_when_the_path_crosses_a_vpn()
    {
        Finding finding = Fires(FindingCodes.MssExceedsTunnel, Healthy(), new DiagnosisContext { PathCrossesVpn = true });
        Assert.Equal(1460, finding.Facts["advertisedMss"]);
        Assert.Contains("1350", finding.NextStep, StringComparison.Ordinal);
    }

    [Fact]
    public void Mss_exceeds_tunnel_near_miss_clamped_mss_or_no_vpn()
    {
        Quiet(FindingCodes.MssExceedsTunnel, Healthy());
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50000", "192.168.1.10:443", mss: 1350).Handshake().ClientSends(100).Close();
        Quiet(FindingCodes.MssExceedsTunnel, s, new DiagnosisContext { PathCrossesVpn = true });
    }

    [Fact]
    public void Ip_fragments_out_of_order_and_incomplete()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:40000", "10.2.0.80:9000", TimeSpan.FromMilliseconds(10)).SendFragmented(true, 3000, reverseOrder: true).SendFragmented(true, 3000, dropLast: true, ipId: 0x4343);
        IReadOnlyList<Finding> findings = Diagnose(s);
        Assert.Contains(findings, f => f.Code == FindingCodes.IpFragmentation);
        Assert.Equal(1, Assert.Single(findings, f => f.Code == FindingCodes.IpFragmentsOutOfOrder).Facts["outOfOrder"]);
        Assert.Equal(1, Assert.Single(findings, f => f.Code == FindingCodes.IpFragmentsIncomplete).Facts["incomplete"]);
    }

    [Fact]
    public void Ip_fragments_near_miss_in_order_fragments_are_only_information()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:40000", "10.2.0.80:9000", TimeSpan.FromMilliseconds(10)).SendFragmented(true, 3000);
        Assert.Equal(FindingSeverity.Info, Fires(FindingCodes.IpFragmentation, s).Severity);
        Quiet(FindingCodes.IpFragmentsOutOfOrder, s);
        Quiet(FindingCodes.IpFragmentsIncomplete, s);
    }

    private static ScenarioBuilder Tls(byte[][] chain, string sni = "app.contoso.com", byte[]? alertFromServer = null, bool tls13 = false)
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50010", "10.2.0.90:443", TimeSpan.FromMilliseconds(10)).Handshake();
        c.SendBytes(true, ClientHello(sni, offerTls13: tls13));
        byte[] flight = alertFromServer ?? (tls13 ? [.. ServerHello(tls13: true), .. ChangeCipherSpec()] : [.. ServerHello(), .. Certificate(chain), .. ServerHelloDone()]);
        c.SendBytes(false, flight);
        if (alertFromServer is null)
        {
            c.SendBytes(true, ChangeCipherSpec()).SendBytes(false, ChangeCipherSpec());
        }

        c.Close();
        return s;
    }

    private static byte[][] GoodChain() => [TestCertificates.Leaf("app.contoso.com"), TestCertificates.IntermediateDer];

    [Fact]
    public void Tls_near_miss_complete_valid_chain_matching_name_is_healthy()
    {
        DiagnosisResult result = Analyze.Diagnose(Tls(GoodChain()));
        Assert.Equal(FindingCodes.Healthy, Assert.Single(result.Findings).Code);
        Assert.Equal(1, result.Tls.CertificateMessages);
    }

    [Fact]
    public void Tls_incomplete_chain_leaf_only() =>
        Assert.Contains("only the leaf", Fires(FindingCodes.TlsIncompleteChain, Tls([TestCertificates.Leaf("app.contoso.com")])).Title, StringComparison.Ordinal);

    [Fact]
    public void Tls_self_signed()
    {
        ScenarioBuilder s = Tls([TestCertificates.SelfSigned("app.contoso.com")]);
        Fires(FindingCodes.TlsSelfSigned, s);
        Quiet(FindingCodes.TlsIncompleteChain, s);
    }

    [Fact]
    public void Tls_certificate_expired_at_capture_time()
    {
        byte[] expired = TestCertificates.Leaf("app.contoso.com", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Contains("expired 2025-06-01", Fires(FindingCodes.TlsCertExpired, Tls([expired, TestCertificates.IntermediateDer])).Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_name_mismatch_with_sni()
    {
        Finding finding = Fires(FindingCodes.TlsNameMismatch, Tls([TestCertificates.Leaf("other.contoso.com"), TestCertificates.IntermediateDer], sni: "app.contoso.com"));
        Assert.Contains("other.contoso.com", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_name_near_miss_wildcard_matches_one_label()
    {
        Quiet(FindingCodes.TlsNameMismatch, Tls([TestCertificates.Leaf("*.contoso.com"), TestCertificates.IntermediateDer], sni: "app.contoso.com"));
        Fires(FindingCodes.TlsNameMismatch, Tls([TestCertificates.Leaf("*.contoso.com"), TestCertificates.IntermediateDer], sni: "a.b.contoso.com"));
    }

    [Fact]
    public void Tls_alert_by_name_with_sni()
    {
        Finding finding = Fires(FindingCodes.TlsAlert, Tls([], alertFromServer: Alert(Fatal, 70)));
        Assert.Contains("protocol_version", finding.Title, StringComparison.Ordinal);
        Assert.Contains("app.contoso.com", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_alert_near_miss_close_notify_after_encryption()
    {
        ScenarioBuilder s = Healthy();
        TcpConversation c = s.Tcp("10.1.0.4:50010", "10.2.0.90:443", TimeSpan.FromMilliseconds(10)).Handshake();
        c.SendBytes(true, ClientHello("app.contoso.com")).SendBytes(false, [.. ServerHello(), .. Certificate(GoodChain()), .. ServerHelloDone()]);
        c.SendBytes(true, ChangeCipherSpec()).SendBytes(false, ChangeCipherSpec()).SendBytes(true, Record(21, [0x17, 0x42, 0x99, 0x01])).Close();
        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.TlsAlert);
        Assert.Equal(1, result.Tls.AlertFrames);
        Assert.Equal(1, result.Tls.EncryptedAlerts);
    }

    [Fact]
    public void Tls13_hides_certificates() =>
        Assert.Equal(FindingSeverity.Info, Fires(FindingCodes.Tls13CertificatesHidden, Tls([], tls13: true)).Severity);

    [Fact]
    public void Dns_failure_nxdomain_and_servfail_name_the_resolver()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:53001", "168.63.129.16:53", TimeSpan.FromMilliseconds(20))
            .Send(true, DnsMessageBuilder.Query(8, "db.privatelink.database.windows.net")).Wait(TimeSpan.FromMilliseconds(2))
            .Send(false, DnsMessageBuilder.Response(8, "db.privatelink.database.windows.net", 3));
        s.Udp("10.1.0.4:53002", "10.0.0.4:53", TimeSpan.FromMilliseconds(30))
            .Send(true, DnsMessageBuilder.Query(9, "corp.contoso.local")).Wait(TimeSpan.FromMilliseconds(2))
            .Send(false, DnsMessageBuilder.Response(9, "corp.contoso.local", 2));
        List<Finding> failures = Diagnose(s).Where(f => f.Code == FindingCodes.DnsFailure).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Title.Contains("NXDOMAIN", StringComparison.Ordinal) && f.NextStep.Contains("privatelink", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Title.Contains("SERVFAIL", StringComparison.Ordinal) && f.NextStep.Contains("custom DNS server", StringComparison.Ordinal));
    }

    [Fact]
    public void Dns_unanswered_and_slow()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:53003", "10.0.0.4:53", TimeSpan.FromMilliseconds(20)).Send(true, DnsMessageBuilder.Query(10, "lost.contoso.com")).Wait(TimeSpan.FromSeconds(5));
        s.Udp("10.1.0.4:53004", "10.0.0.5:53", TimeSpan.FromMilliseconds(30))
            .Send(true, DnsMessageBuilder.Query(11, "slow.contoso.com")).Wait(TimeSpan.FromMilliseconds(900))
            .Send(false, DnsMessageBuilder.Response(11, "slow.contoso.com", 0, "10.9.9.9"));
        s.Tcp("10.1.0.4:50099", "10.2.0.10:443", TimeSpan.FromSeconds(6)).Handshake().Close(); // keeps the capture going past the query
        Assert.Contains("lost.contoso.com", Fires(FindingCodes.DnsUnanswered, s).Title, StringComparison.Ordinal);
        Assert.InRange(Fires(FindingCodes.DnsSlow, s).Facts["maxLatencyMs"], 899, 902);
    }

    [Fact]
    public void Reverse_lookups_and_proxy_discovery_that_miss_are_context_never_an_error_or_the_verdict()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:53010", "168.63.129.16:53", TimeSpan.FromMilliseconds(20))
            .Send(true, DnsMessageBuilder.Query(20, "255.0.1.10.in-addr.arpa")).Wait(TimeSpan.FromMilliseconds(2)) // a PTR lookup of a broadcast address
            .Send(false, DnsMessageBuilder.Response(20, "255.0.1.10.in-addr.arpa", 3));
        s.Udp("10.1.0.4:53011", "168.63.129.16:53", TimeSpan.FromMilliseconds(25))
            .Send(true, DnsMessageBuilder.Query(21, "wpad.contoso.com")).Wait(TimeSpan.FromMilliseconds(2))
            .Send(false, DnsMessageBuilder.Response(21, "wpad.contoso.com", 3));
        s.Udp("10.1.0.4:53012", "168.63.129.16:53", TimeSpan.FromMilliseconds(30)).Send(true, DnsMessageBuilder.Query(22, "4.0.1.10.in-addr.arpa")).Wait(TimeSpan.FromSeconds(5));
        s.Tcp("10.1.0.4:50098", "10.2.0.10:443", TimeSpan.FromSeconds(6)).Handshake().Close();

        DiagnosisResult result = Analyze.Diagnose(s);

        Assert.DoesNotContain(result.Findings, f => f.Code is FindingCodes.DnsFailure or FindingCodes.DnsUnanswered);
        Finding background = Assert.Single(result.Findings, f => f.Code == FindingCodes.DnsBackgroundLookups);
        Assert.Equal((FindingSeverity.Info, 3.0), (background.Severity, background.Facts["lookups"]));
        Assert.Equal(FindingCodes.Healthy, result.Findings[0].Code); // the verdict is about the traffic, not the PTR misses
    }

    [Fact]
    public void A_forward_lookup_that_misses_is_still_an_error_next_to_background_misses()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:53013", "168.63.129.16:53", TimeSpan.FromMilliseconds(20))
            .Send(true, DnsMessageBuilder.Query(23, "4.0.1.10.in-addr.arpa")).Wait(TimeSpan.FromMilliseconds(2))
            .Send(false, DnsMessageBuilder.Response(23, "4.0.1.10.in-addr.arpa", 3));
        s.Udp("10.1.0.4:53014", "168.63.129.16:53", TimeSpan.FromMilliseconds(25))
            .Send(true, DnsMessageBuilder.Query(24, "sql.privatelink.database.windows.net")).Wait(TimeSpan.FromMilliseconds(2))
            .Send(false, DnsMessageBuilder.Response(24, "sql.privatelink.database.windows.net", 3));

        DiagnosisResult result = Analyze.Diagnose(s);

        Assert.Equal(FindingCodes.DnsFailure, result.Findings[0].Code);
        Assert.Contains("sql.privatelink.database.windows.net", result.Findings[0].Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Dns_near_miss_answered_quickly()
    {
        ScenarioBuilder s = Healthy();
        Quiet(FindingCodes.DnsFailure, s);
        Quiet(FindingCodes.DnsUnanswered, s);
        Quiet(FindingCodes.DnsSlow, s);
    }

    private static ScenarioBuilder Vpn(bool responderAnswers, bool espBack, int negotiations = 1)
    {
        var s = new ScenarioBuilder(Start);
        UdpConversation ike = s.Udp("203.0.113.10:500", "198.51.100.20:500");
        for (int i = 0; i < negotiations; i++)
        {
            ulong spi = 0x1111_0000UL + (ulong)i;
            ike.Send(true, IkeMessageBuilder.IkeV2(spi, 0, IkeMessageBuilder.IkeSaInit, response: false)).Wait(TimeSpan.FromMilliseconds(30));
            if (responderAnswers)
            {
                ike.Send(false, IkeMessageBuilder.IkeV2(spi, 0x2222, IkeMessageBuilder.IkeSaInit, response: true)).Wait(TimeSpan.FromSeconds(2));
            }
            else
            {
                ike.Wait(TimeSpan.FromSeconds(2));
            }
        }

        UdpConversation esp = s.Udp("203.0.113.10:4500", "198.51.100.20:4500", TimeSpan.FromSeconds(10));
        for (uint i = 1; i <= 12; i++)
        {
            esp.Send(true, IkeMessageBuilder.Esp(0xC0FFEE01, i)).Wait(TimeSpan.FromMilliseconds(5));
            if (espBack)
            {
                esp.Send(false, IkeMessageBuilder.Esp(0xBEEF0002, i)).Wait(TimeSpan.FromMilliseconds(5));
            }
        }

        return s;
    }

    [Fact]
    public void Ike_no_response()
    {
        Finding finding = Fires(FindingCodes.IkeNoResponse, Vpn(responderAnswers: false, espBack: true, negotiations: 2));
        Assert.Contains("198.51.100.20", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Ike_renegotiation_and_nat_traversal()
    {
        ScenarioBuilder s = Vpn(responderAnswers: true, espBack: true, negotiations: 4);
        Assert.Equal(4, Fires(FindingCodes.IkeRenegotiation, s).Facts["negotiations"]);
        Assert.Equal(FindingSeverity.Info, Fires(FindingCodes.IpsecNatTraversal, s).Severity);
    }

    [Fact]
    public void Esp_one_way()
    {
        Finding finding = Fires(FindingCodes.EspOneWay, Vpn(responderAnswers: true, espBack: false));
        Assert.StartsWith("ESP flows only from 203.0.113.10 to 198.51.100.20", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Vpn_near_miss_healthy_tunnel()
    {
        ScenarioBuilder s = Vpn(responderAnswers: true, espBack: true);
        Quiet(FindingCodes.IkeNoResponse, s);
        Quiet(FindingCodes.IkeRenegotiation, s);
        Quiet(FindingCodes.EspOneWay, s);
    }

    /// <summary>
    /// IKE_SA_INIT on UDP 500 is answered; IKE_AUTH then moves to UDP 4500 (NAT traversal) and is
    /// sent <paramref name="authSends"/> times with the usual doubling timeout.
    /// </summary>
    private static ScenarioBuilder IkeAuthAfterAnsweredInit(bool fragmented, int authSends, bool authAnswered)
    {
        const ulong spi = 0x1111_2222_3333_4444UL;
        var s = new ScenarioBuilder(Start);
        s.Udp("203.0.113.10:500", "198.51.100.20:500")
            .Send(true, IkeMessageBuilder.IkeV2(spi, 0, IkeMessageBuilder.IkeSaInit, response: false, length: 400)).Wait(TimeSpan.FromMilliseconds(30))
            .Send(false, IkeMessageBuilder.IkeV2(spi, 0x2222, IkeMessageBuilder.IkeSaInit, response: true, length: 420));
        UdpConversation nat = s.Udp("203.0.113.10:4500", "198.51.100.20:4500", TimeSpan.FromMilliseconds(40));
        byte[] auth = IkeMessageBuilder.WithNonEspMarker(IkeMessageBuilder.IkeV2(spi, 0x2222, IkeMessageBuilder.IkeAuth, response: false, messageId: 1, length: fragmented ? 2400 : 600));
        for (int i = 0; i < authSends; i++)
        {
            if (fragmented)
            {
                nat.SendFragmented(true, auth, ipId: (ushort)(0x5000 + i));
            }
            else
            {
                nat.Send(true, auth);
            }

            nat.Wait(TimeSpan.FromSeconds(2 << i));
        }

        if (authAnswered)
        {
            nat.Send(false, IkeMessageBuilder.WithNonEspMarker(IkeMessageBuilder.IkeV2(spi, 0x2222, IkeMessageBuilder.IkeAuth, response: true, messageId: 1, length: 500)));
        }

        return s;
    }

    [Fact]
    public void Ike_auth_sent_as_fragments_and_never_answered_after_an_answered_init()
    {
        ScenarioBuilder s = IkeAuthAfterAnsweredInit(fragmented: true, authSends: 4, authAnswered: false);
        Finding finding = Fires(FindingCodes.IkeExchangeUnanswered, s);
        Assert.Equal(4, finding.Facts["sends"]);
        Assert.Equal(1, finding.Facts["fragmented"]);
        Assert.Equal(4500, finding.Facts["port"]);
        Assert.Contains("IKE_AUTH", finding.Title, StringComparison.Ordinal);
        Assert.Contains("drops fragmented UDP", finding.Verdict, StringComparison.Ordinal);
        Assert.Equal(FindingCodes.IkeExchangeUnanswered, Diagnose(s)[0].Code);
        Quiet(FindingCodes.Healthy, s);
        Quiet(FindingCodes.IkeNoResponse, s); // the responder did answer: the first message is not the problem
    }

    [Fact]
    public void Ike_auth_on_4500_unanswered_after_500_was_answered_points_at_nat_traversal()
    {
        ScenarioBuilder s = IkeAuthAfterAnsweredInit(fragmented: false, authSends: 3, authAnswered: false);
        Finding finding = Fires(FindingCodes.IkeExchangeUnanswered, s);
        Assert.Equal(0, finding.Facts["fragmented"]);
        Assert.Contains("UDP 4500 does not get through", finding.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Ike_exchange_near_miss_auth_resent_once_then_answered()
    {
        ScenarioBuilder s = IkeAuthAfterAnsweredInit(fragmented: true, authSends: 2, authAnswered: true);
        Quiet(FindingCodes.IkeExchangeUnanswered, s);
        Assert.DoesNotContain(Diagnose(s), f => f.Severity >= FindingSeverity.Warning);
    }

    [Fact]
    public void Ike_exchange_near_miss_one_unanswered_send_at_the_end_of_the_capture()
    {
        Quiet(FindingCodes.IkeExchangeUnanswered, IkeAuthAfterAnsweredInit(fragmented: true, authSends: 1, authAnswered: false));
    }

    private static ScenarioBuilder ManyConnections(int count, int failing)
    {
        ScenarioBuilder s = Healthy();
        for (int i = 0; i < count; i++)
        {
            TcpConversation c = s.Tcp($"10.1.0.4:{20_000 + i}", "52.1.2.3:443", TimeSpan.FromMilliseconds(10 + (i * 5)));
            if (i < failing)
            {
                c.Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
            }
            else
            {
                c.Handshake().ClientSends(100).Close();
            }
        }

        return s;
    }

    [Fact]
    public void Snat_exhaustion_signature()
    {
        Finding finding = Fires(FindingCodes.SnatExhaustionSuspected, ManyConnections(120, failing: 60));
        Assert.Equal(120, finding.Facts["distinctSourcePorts"]);
        Assert.Equal(60, finding.Facts["failed"]);
    }

    [Fact]
    public void Snat_near_miss_many_connections_all_succeeding() =>
        Quiet(FindingCodes.SnatExhaustionSuspected, ManyConnections(120, failing: 2));

    [Fact]
    public void Slow_response_time_to_first_byte()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50011", "10.2.0.95:443", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(400).Wait(TimeSpan.FromSeconds(3)).ServerSends(800).Close();
        Finding finding = Fires(FindingCodes.SlowResponse, s);
        Assert.InRange(finding.Facts["timeToFirstByteMs"], 3000, 3002);
    }

    [Fact]
    public void Slow_response_near_miss_quick_answer() => Quiet(FindingCodes.SlowResponse, Healthy());

    /// <summary>Connections to one server: <paramref name="usual"/> handshakes, then the listed ones.</summary>
    private static ScenarioBuilder Handshakes(TimeSpan usual, int count, params TimeSpan[] then)
    {
        var s = new ScenarioBuilder(Start);
        int port = 50100;
        foreach (TimeSpan rtt in Enumerable.Repeat(usual, count).Concat(then))
        {
            s.Tcp($"10.1.0.4:{port++}", "20.1.2.3:443", TimeSpan.FromMilliseconds(50)).Handshake(rtt).ClientSends(100).ServerSends(100).Close();
        }

        return s;
    }

    [Fact]
    public void Slow_handshake_against_the_usual_one_with_the_same_server()
    {
        Finding finding = Fires(FindingCodes.SlowResponse, Handshakes(TimeSpan.FromMilliseconds(2), 6, TimeSpan.FromMilliseconds(450)));
        Assert.StartsWith("TCP handshake with 20.1.2.3:443 took 450 ms (usually 2 ms)", finding.Title, StringComparison.Ordinal);
        Assert.Equal(2, finding.Facts["medianHandshakeMs"], 0.01);
        Assert.Equal(7, finding.Facts["handshakes"]);
    }

    [Fact]
    public void Slow_handshake_over_a_second_needs_no_baseline()
    {
        Finding finding = Fires(FindingCodes.SlowResponse, Handshakes(TimeSpan.Zero, 0, TimeSpan.FromMilliseconds(1500)));
        Assert.Contains("took 1500 ms (over a second)", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Slow_handshake_near_miss_an_internet_round_trip_is_distance_not_slowness()
    {
        // One 217 ms handshake with a far server, and a far server that is always ~250 ms away.
        Quiet(FindingCodes.SlowResponse, Handshakes(TimeSpan.Zero, 0, TimeSpan.FromMilliseconds(217)));
        Quiet(FindingCodes.SlowResponse, Handshakes(TimeSpan.FromMilliseconds(250), 8, TimeSpan.FromMilliseconds(310)));
    }

    [Fact]
    public void Slow_response_near_miss_a_far_server_answering_within_its_round_trip()
    {
        // 900 ms from request to answer at the capture point, 350 ms of it the round trip on to the server: the server took 550 ms.
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50011", "20.9.0.95:443").Handshake(TimeSpan.FromMilliseconds(700)).ClientSends(400).Wait(TimeSpan.FromMilliseconds(900)).ServerSends(800).Close();
        Quiet(FindingCodes.SlowResponse, s);
    }

    [Fact]
    public void Findings_are_ranked_errors_first_and_the_verdict_leads()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50008", "10.2.0.70:443", TimeSpan.FromMilliseconds(10)).Handshake().ServerSends(10_000).ZeroWindow(fromClient: true);
        s.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(20)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.Equal(FindingCodes.TcpSynUnanswered, result.Findings[0].Code);
        Assert.Equal(result.Findings[0].Verdict, result.Verdict);
        Assert.True(result.Findings.Zip(result.Findings.Skip(1)).All(p => p.First.Severity >= p.Second.Severity));
    }

    [Fact]
    public void Every_finding_carries_evidence_a_filter_and_an_azure_next_step()
    {
        ScenarioBuilder s = ManyConnections(60, failing: 30);
        s.Tcp("10.1.0.4:50002", "10.2.0.20:1433", TimeSpan.FromMilliseconds(10)).Syn().RefuseSyn();
        foreach (Finding f in Diagnose(s))
        {
            Assert.False(string.IsNullOrWhiteSpace(f.Title));
            Assert.False(string.IsNullOrWhiteSpace(f.Explanation));
            Assert.False(string.IsNullOrWhiteSpace(f.WiresharkFilter));
            Assert.False(string.IsNullOrWhiteSpace(f.NextStep));
            Assert.NotEmpty(f.Packets);
        }
    }
}

public sealed class WindowAndThroughputTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Window_full_names_the_receiver_whose_window_limits_the_transfer()
    {
        var s = new ScenarioBuilder(Start);
        TcpConversation c = s.Tcp("10.1.0.4:50020", "10.2.0.10:443").Handshake();
        for (int i = 0; i < 12; i++)
        {
            // The client offers 23 << 7 = 2,944 bytes; the server sends exactly that, then must wait.
            c.AckWithWindow(true, 23).Segment(false, 1472).Segment(false, 1472).Wait(TimeSpan.FromMilliseconds(5));
        }

        c.AckWithWindow(true, 500).Close();
        Finding finding = Assert.Single(Analyze.Diagnose(s).Findings, f => f.Code == FindingCodes.TcpZeroWindow);
        Assert.Contains("filled 10.1.0.4:50020's receive window", finding.Title, StringComparison.Ordinal);
        Assert.Equal(12, finding.Facts["windowFullSegments"]);
    }

    [Fact]
    public void Window_full_near_miss_large_window_never_reached()
    {
        var s = new ScenarioBuilder(Start);
        TcpConversation c = s.Tcp("10.1.0.4:50020", "10.2.0.10:443").Handshake();
        for (int i = 0; i < 12; i++)
        {
            c.AckWithWindow(true, 5000).Segment(false, 1472).Segment(false, 1472).Wait(TimeSpan.FromMilliseconds(5));
        }

        Assert.DoesNotContain(Analyze.Diagnose(s).Findings, f => f.Code == FindingCodes.TcpZeroWindow);
    }

    private static ScenarioBuilder BulkTransfers(TimeSpan slowGap)
    {
        var s = new ScenarioBuilder(Start);
        for (int i = 0; i < 6; i++)
        {
            TimeSpan gap = i == 5 ? slowGap : TimeSpan.FromMicroseconds(700);
            s.Tcp($"10.1.0.4:{50030 + i}", "10.2.0.10:443", TimeSpan.FromMilliseconds(i)).Handshake().ClientSends(300).Send(false, 1_200_000, gap).Close();
        }

        return s;
    }

    [Fact]
    public void Throughput_outlier_among_bulk_transfers()
    {
        Finding finding = Assert.Single(Analyze.Diagnose(BulkTransfers(TimeSpan.FromMilliseconds(10))).Findings, f => f.Code == FindingCodes.SlowResponse);
        Assert.Contains("10.1.0.4:50035", finding.Title, StringComparison.Ordinal);
        Assert.Contains("a tenth of the median", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Throughput_near_miss_all_transfers_alike() =>
        Assert.DoesNotContain(Analyze.Diagnose(BulkTransfers(TimeSpan.FromMicroseconds(800))).Findings, f => f.Code == FindingCodes.SlowResponse);
}
