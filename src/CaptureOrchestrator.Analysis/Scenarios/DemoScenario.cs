namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>
/// The capture shipped as samples/demo.pcap: what a VM-side Network Watcher capture of a
/// typical ticket looks like — RDP that times out, a refused SQL port, an app reset mid-stream,
/// and healthy HTTPS and DNS for contrast.
/// </summary>
public static class DemoScenario
{
    public static ScenarioBuilder Build()
    {
        var scenario = new ScenarioBuilder(new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));

        // Healthy HTTPS download.
        scenario.Tcp("10.1.0.4:50432", "10.2.0.10:443")
            .Handshake(TimeSpan.FromMilliseconds(3)).ClientSends(517).ServerSends(9000).ClientSends(120).Close();

        // RDP to the new VM: SYN retried, never answered (an NSG dropping silently).
        scenario.Tcp("10.1.0.4:50433", "10.3.0.5:3389", TimeSpan.FromMilliseconds(50))
            .Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(2)).Retransmit();

        // SQL port closed on the database VM: SYN answered by RST.
        scenario.Tcp("10.1.0.4:50434", "10.2.0.20:1433", TimeSpan.FromMilliseconds(80))
            .Syn().Wait(TimeSpan.FromMilliseconds(1)).RefuseSyn();

        // The app server resets the client after data was exchanged.
        scenario.Tcp("10.1.0.4:50435", "10.2.0.30:8080", TimeSpan.FromMilliseconds(120))
            .Handshake(TimeSpan.FromMilliseconds(2)).ClientSends(300).ServerSends(2000).Wait(TimeSpan.FromSeconds(1)).Reset(fromClient: false);

        // DNS through Azure DNS.
        scenario.Udp("10.1.0.4:53001", "168.63.129.16:53", TimeSpan.FromMilliseconds(10))
            .Send(fromClient: true, DnsMessageBuilder.Query(0x1a2b, "app.contoso.internal"))
            .Wait(TimeSpan.FromMilliseconds(4))
            .Send(fromClient: false, DnsMessageBuilder.Response(0x1a2b, "app.contoso.internal", 0, "10.2.0.30"));

        return scenario;
    }
}
