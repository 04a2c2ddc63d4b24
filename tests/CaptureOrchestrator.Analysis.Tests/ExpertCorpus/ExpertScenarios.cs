using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.ExpertCorpus;

/// <summary>
/// The generated tickets of the expert corpus: for every class of judgement in issue 16, a
/// capture where the right finding must lead and a near-miss where it must not. Each is a small
/// ticket, not a unit case: the problem sits among ordinary healthy traffic, as it would in a
/// real capture. What an engineer concludes from each lives in expert-corpus.json, not here.
/// </summary>
public static class ExpertScenarios
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);

    public static IReadOnlyDictionary<string, Func<byte[]>> All { get; } = new Dictionary<string, Func<byte[]>>
    {
        ["mtu-fragmentation-needed-then-resends"] = () => Ticket(s => MtuBound(s, segment: 1460)).ToArray(),
        ["near-miss-small-segments-lost"] = () => Ticket(s => MtuBound(s, segment: 400, icmp: false)).ToArray(),
        ["ike-auth-fragments-never-answered"] = () => Ticket(s => IkeExchanges.SiteToSite(s, "203.0.113.10", "198.51.100.20", 0x0A0B_0C0D_0E0F_1011UL, 0x2222, authAnswered: false)).ToArray(),
        ["near-miss-ike-auth-answered"] = () => Ticket(s => IkeExchanges.SiteToSite(s, "203.0.113.10", "198.51.100.20", 0x0A0B_0C0D_0E0F_1011UL, 0x2222, authAnswered: true)).ToArray(),
        ["ntp-requests-unanswered"] = () => Ticket(NtpUnanswered).ToArray(),
        ["near-miss-syn-cut-off-at-capture-end"] = () => Ticket(s => s.Tcp("10.1.0.4:50300", "10.3.0.5:3389", TimeSpan.FromSeconds(9)).Syn()).ToArray(),
        ["syn-scan-1000-ports"] = () => Ticket(s => PortScan(s, 1000)).ToArray(),
        ["scan-during-an-outage"] = () => Ticket(s =>
        {
            PortScan(s, 200);
            SynUnanswered(s, "10.1.0.4:50310", "10.3.0.5:3389");
        }).ToArray(),
        ["near-miss-blocked-egress-on-443"] = () => Ticket(s =>
        {
            for (int i = 0; i < 12; i++)
            {
                SynUnanswered(s, $"10.1.0.4:{51000 + i}", $"{20 + (i * 7)}.{40 + i}.{(i * 31) % 250}.{10 + i}:443");
            }
        }).ToArray(),
        ["esp-one-way-to-12-peers"] = () => Ticket(EspOneWay).ToArray(),
        ["ptr-lookups-nxdomain"] = () => Ticket(s => Dns(s, "5.0.1.10.in-addr.arpa", "255.255.255.255.in-addr.arpa", "wpad.contoso.local")).ToArray(),
        ["near-miss-forward-lookup-nxdomain"] = () => Ticket(s => Dns(s, "sqlsrv01.privatelink.database.windows.net")).ToArray(),
        ["near-miss-internet-round-trips"] = () => Ticket(s =>
        {
            foreach ((string server, int ms) in new[] { ("52.84.10.20:443", 208), ("52.84.10.20:443", 212), ("151.101.1.69:443", 217), ("140.82.121.4:443", 186) })
            {
                s.Tcp($"10.1.0.4:{52000 + ms}", server, TimeSpan.FromMilliseconds(30)).Handshake(TimeSpan.FromMilliseconds(ms))
                    .ClientSends(500).Wait(TimeSpan.FromMilliseconds(ms + 40)).ServerSends(8000).Close();
            }
        }).ToArray(),
        ["handshake-outlier-to-one-server"] = () => Ticket(s =>
        {
            for (int i = 0; i < 8; i++)
            {
                s.Tcp($"10.1.0.4:{52100 + i}", "10.2.0.60:443", TimeSpan.FromMilliseconds(20)).Handshake(TimeSpan.FromMilliseconds(i == 7 ? 640 : 2)).ClientSends(300).ServerSends(900).Close();
            }
        }).ToArray(),
        ["damaged-capture-with-a-reset"] = () => Damaged(Ticket(s =>
        {
            s.Tcp("10.1.0.4:50320", "10.2.0.30:8080", TimeSpan.FromMilliseconds(20)).Handshake().ClientSends(300).ServerSends(900).Reset(fromClient: false);
            s.Tcp("10.1.0.4:50321", "10.2.0.31:8080", TimeSpan.FromMilliseconds(50)).Handshake().ClientSends(300).ServerSends(900).Close();
        })),
        ["keep-alive-reused-after-server-close"] = () => Ticket(s =>
            s.Tcp("10.1.0.4:50330", "10.2.0.80:8080", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300).ServerSends(2000)
                .Wait(TimeSpan.FromSeconds(5)).Fin(fromClient: false).Ack()
                .Wait(TimeSpan.FromSeconds(45)).Segment(true, 400).Wait(TimeSpan.FromMilliseconds(25)).Reset(fromClient: false)).ToArray(),
        ["near-miss-reset-on-an-open-connection"] = () => Ticket(s =>
            s.Tcp("10.1.0.4:50330", "10.2.0.80:8080", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300).ServerSends(2000)
                .Wait(TimeSpan.FromSeconds(45)).Segment(true, 400).Wait(TimeSpan.FromMilliseconds(25)).Reset(fromClient: false)).ToArray(),
        ["idle-five-minutes-then-reset"] = () => Ticket(s => IdleThenReset(s, TimeSpan.FromMinutes(5))).ToArray(),
        ["near-miss-idle-three-minutes-then-reset"] = () => Ticket(s => IdleThenReset(s, TimeSpan.FromMinutes(3))).ToArray(),
        ["server-side-of-a-conversation-only"] = () => Ticket(s =>
            s.Tcp("10.1.0.4:50340", "10.2.0.90:443", TimeSpan.FromMilliseconds(1)).SynAck().Wait(TimeSpan.FromMilliseconds(2))
                .Segment(false, 1400).Segment(false, 1400).Wait(TimeSpan.FromMilliseconds(300)).Retransmit()).ToArray(),
        ["near-miss-capture-joins-a-conversation-midway"] = () => Ticket(s =>
        {
            TcpConversation c = s.Tcp("10.1.0.4:50340", "10.2.0.90:443", TimeSpan.FromMilliseconds(1));
            for (int i = 0; i < 6; i++)
            {
                c.Segment(false, 1400).Ack();
            }
        }).ToArray(),
        ["snap-length-20"] = () => SnapLength.Write(Ticket(_ => { }).Packets(), 20),
        ["near-miss-snap-length-128"] = () => SnapLength.Write(Ticket(_ => { }).Packets(), 128),
    };

    /// <summary>Ordinary traffic (a web request, a DNS lookup), then the problem.</summary>
    private static ScenarioBuilder Ticket(Action<ScenarioBuilder> problem)
    {
        var s = new ScenarioBuilder(Start);
        s.Udp("10.1.0.4:53000", "168.63.129.16:53")
            .Send(true, DnsMessageBuilder.Query(1, "app.contoso.com")).Wait(TimeSpan.FromMilliseconds(2))
            .Send(false, DnsMessageBuilder.Response(1, "app.contoso.com", 0, "10.2.0.10"));
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443", TimeSpan.FromMilliseconds(5)).Handshake().ClientSends(600).ServerSends(20_000).Close();
        problem(s);
        return s;
    }

    private static void MtuBound(ScenarioBuilder s, int segment, bool icmp = true)
    {
        TcpConversation c = s.Tcp("10.1.0.4:50200", "10.20.0.99:443", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(300);
        c.Segment(true, 1460);
        if (icmp)
        {
            c.IcmpErrorFrom(s, "10.1.0.1", 3, 4, mtu: 1400);
        }

        c.Segment(true, segment).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(600)).Retransmit().Wait(TimeSpan.FromMilliseconds(1200)).Retransmit();
    }

    private static void NtpUnanswered(ScenarioBuilder s)
    {
        UdpConversation ntp = s.Udp("10.1.0.4:123", "10.0.0.9:123", TimeSpan.FromMilliseconds(10));
        for (int i = 0; i < 4; i++)
        {
            ntp.Send(true, 48).Wait(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>A SYN scan of 10.5.0.9 from 10.5.0.66: every tenth port refuses, 22 and 443 are open, the rest are dropped.</summary>
    private static void PortScan(ScenarioBuilder s, int ports)
    {
        for (int port = 1; port <= ports; port++)
        {
            TcpConversation probe = s.Tcp($"10.5.0.66:{40000 + port}", $"10.5.0.9:{port}", TimeSpan.FromMilliseconds(0.2)).Syn();
            if (port is 22 or 443)
            {
                probe.SynAck().Reset(fromClient: true);
            }
            else if (port % 10 == 0)
            {
                probe.RefuseSyn();
            }
        }
    }

    private static void SynUnanswered(ScenarioBuilder s, string client, string server) =>
        s.Tcp(client, server, TimeSpan.FromMilliseconds(5)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(2)).Retransmit();

    private static void EspOneWay(ScenarioBuilder s)
    {
        for (int peer = 1; peer <= 12; peer++)
        {
            UdpConversation esp = s.Udp("203.0.113.10:4500", $"198.51.100.{peer}:4500", TimeSpan.FromMilliseconds(10));
            for (uint i = 1; i <= 12; i++)
            {
                esp.Send(true, IkeMessageBuilder.Esp(0xC0FF_0000u + (uint)peer, i)).Wait(TimeSpan.FromMilliseconds(5));
            }
        }
    }

    /// <summary>Each name asked of Azure DNS and answered NXDOMAIN.</summary>
    private static void Dns(ScenarioBuilder s, params string[] names)
    {
        UdpConversation dns = s.Udp("10.1.0.4:53010", "168.63.129.16:53", TimeSpan.FromMilliseconds(10));
        ushort id = 100;
        foreach (string name in names)
        {
            dns.Send(true, DnsMessageBuilder.Query(id, name, name.EndsWith(".arpa", StringComparison.Ordinal) ? (ushort)12 : (ushort)1)).Wait(TimeSpan.FromMilliseconds(2))
                .Send(false, DnsMessageBuilder.Response(id, name, 3)).Wait(TimeSpan.FromMilliseconds(20));
            id++;
        }
    }

    private static void IdleThenReset(ScenarioBuilder s, TimeSpan idle) =>
        s.Tcp("10.1.0.4:50350", "10.2.0.40:1433", TimeSpan.FromMilliseconds(10)).Handshake().ClientSends(200).ServerSends(500)
            .Wait(idle).Segment(true, 300).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(50)).Reset(fromClient: false);

    /// <summary>The capture with its last record cut short, as an interrupted upload leaves it.</summary>
    private static byte[] Damaged(ScenarioBuilder scenario)
    {
        byte[] capture = scenario.ToArray();
        return capture[..^30];
    }
}
