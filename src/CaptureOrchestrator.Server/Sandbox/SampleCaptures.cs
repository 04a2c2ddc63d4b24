using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Server.Sandbox;

/// <summary>
/// What the sandbox's simulated capture points "capture": one sample capture per kind of target,
/// each a typical ticket for that place in the network, so an integrator sees the reports a real
/// run produces. Built from the engine's scenario builder (pcap bytes; nothing on disk to ship).
/// </summary>
internal static class SampleCaptures
{
    /// <summary>The capture a target of this kind uploads when its capture stops, and a line naming it.</summary>
    public static (byte[] Pcap, string Story) For(TargetKind kind) => kind switch
    {
        TargetKind.VpnGateway or TargetKind.VpnConnection => (VpnGateway(), "IKE_SA_INIT answered, IKE_AUTH (fragmented on UDP 4500) never answered"),
        TargetKind.Firewall => (Firewall(), "an MTU black hole behind the firewall (ICMP fragmentation needed, retransmissions)"),
        _ => (DemoScenario.Build().ToArray(), "RDP that times out, a refused SQL port, an app reset mid-stream, healthy HTTPS and DNS"),
    };

    /// <summary>A site-to-site tunnel that never comes up: the classic path that drops large fragmented IKE packets.</summary>
    private static byte[] VpnGateway()
    {
        var scenario = new ScenarioBuilder(new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));
        IkeExchanges.SiteToSite(scenario, "20.50.10.4", "203.0.113.7", initiatorSpi: 0x5AD0_0000_C0FF_EE01UL, responderSpi: 0x7777, authAnswered: false);
        return scenario.ToArray();
    }

    /// <summary>HTTPS through the firewall whose full-size segments die on a smaller MTU further on.</summary>
    private static byte[] Firewall()
    {
        var scenario = new ScenarioBuilder(new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));
        TcpConversation https = scenario.Tcp("10.1.0.4:50200", "10.20.0.99:443", TimeSpan.FromMilliseconds(10)).Handshake(TimeSpan.FromMilliseconds(2)).ClientSends(300);
        https.Segment(true, 1460).IcmpErrorFrom(scenario, "10.1.0.1", 3, 4, mtu: 1400);
        https.Segment(true, 1460).Wait(TimeSpan.FromMilliseconds(300)).Retransmit().Wait(TimeSpan.FromMilliseconds(600)).Retransmit().Wait(TimeSpan.FromMilliseconds(1200)).Retransmit();
        scenario.Tcp("10.1.0.4:50201", "10.20.0.50:1433", TimeSpan.FromMilliseconds(30)).Handshake(TimeSpan.FromMilliseconds(2)).ClientSends(200).ServerSends(800).Close();
        return scenario.ToArray();
    }
}
