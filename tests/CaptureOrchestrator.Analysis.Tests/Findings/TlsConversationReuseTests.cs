using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Protocols;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;
using static CaptureOrchestrator.Analysis.Scenarios.TlsMessageBuilder;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

/// <summary>
/// The TLS detector reuses the state of finished conversations. Nothing of the old conversation
/// (its server name, its alerts, a half-read record) may reach the next one.
/// </summary>
public sealed class TlsConversationReuseTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Flows finish on capture time alone, so the first conversation is finished (and its state
    // pooled) before the second one starts.
    private static IReadOnlyList<Finding> Diagnose(ScenarioBuilder scenario) => Analyze.DiagnoseEvictingOnTime(scenario).Findings;

    private static ScenarioBuilder FailedThenSecond(string? secondName, bool secondFails)
    {
        var s = new ScenarioBuilder(Start);
        TcpConversation first = s.Tcp("10.1.0.4:50010", "10.2.0.90:443").Handshake();
        first.SendBytes(true, ClientHello("old.contoso.com")).SendBytes(false, Alert(Fatal, 40)).Close();

        // Past the 5 s close delay: the first conversation is finished and its state reused.
        TcpConversation ticker = s.Tcp("10.1.0.4:50020", "10.2.0.10:8443").Handshake();
        for (int i = 0; i < 7; i++)
        {
            ticker.Wait(TimeSpan.FromSeconds(1)).ClientSends(100);
        }

        TcpConversation second = s.Tcp("10.1.0.4:50030", "10.2.0.91:443", TimeSpan.FromSeconds(7)).Handshake();
        second.SendBytes(true, ClientHello(secondName));
        second.SendBytes(false, secondFails ? Alert(Fatal, 40) : [.. ServerHello(tls13: true), .. ChangeCipherSpec()]);
        second.Close();
        return s;
    }

    [Fact]
    public void A_reused_conversation_does_not_inherit_the_server_name()
    {
        IReadOnlyList<Finding> alerts = [.. Diagnose(FailedThenSecond(secondName: null, secondFails: true)).Where(f => f.Code == FindingCodes.TlsAlert)];
        Assert.Equal(2, alerts.Count);
        Assert.Contains(alerts, f => f.Title.Contains("old.contoso.com", StringComparison.Ordinal));
        Finding second = Assert.Single(alerts, f => f.Title.Contains("10.2.0.91", StringComparison.Ordinal));
        Assert.DoesNotContain("old.contoso.com", second.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reused_conversation_does_not_inherit_the_alert()
    {
        Finding alert = Assert.Single(Diagnose(FailedThenSecond("new.contoso.com", secondFails: false)), f => f.Code == FindingCodes.TlsAlert);
        Assert.Contains("old.contoso.com", alert.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reset_reader_starts_a_new_stream()
    {
        var reader = new TlsStreamReader();
        var events = new Recorder();
        byte[] hello = ClientHello("app.contoso.com");

        // Half a record: the reader now waits for the rest of it.
        reader.Feed(1000, hello.AsSpan(0, 20), events);
        reader.Reset();
        reader.Feed(5000, hello, events);

        Assert.False(reader.Broken);
        Assert.Equal([TlsHandshake.ClientHello], events.Handshakes);
    }

    private sealed class Recorder : ITlsStreamEvents
    {
        public List<byte> Handshakes { get; } = [];

        public void OnAlert(byte level, byte description, bool encrypted)
        {
        }

        public void OnHandshakeMessage(byte type, ReadOnlySpan<byte> body) => Handshakes.Add(type);
    }
}
