using System.Text.Json.Nodes;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Server.Sandbox;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>The sandbox's agent keeps what a Network Watcher filter matches: either direction, one value, a range or a ';' list, any filter of several.</summary>
public sealed class NetworkWatcherFilterTests
{
    private static readonly byte[] Demo = DemoScenario.Build().ToArray(); // 10.1.0.4 → :443, :3389, :1433, :8080, and DNS to 168.63.129.16

    [Theory]
    [InlineData("""[]""", 41)]
    [InlineData("""[{"protocol":"TCP","remoteIPAddress":"10.2.0.20"}]""", 2)]
    [InlineData("""[{"protocol":"UDP"}]""", 2)]
    [InlineData("""[{"protocol":"TCP","remotePort":"1433;8080"}]""", 12)]
    [InlineData("""[{"protocol":"TCP","remotePort":"1000-2000"}]""", 2)]
    [InlineData("""[{"protocol":"Any","remoteIPAddress":"10.2.0.0-10.2.0.25"}]""", 26)] // HTTPS (24) and SQL (2), not 10.2.0.30
    [InlineData("""[{"protocol":"TCP","remoteIPAddress":"10.3.0.5"},{"protocol":"UDP","remotePort":"53"}]""", 5)]
    [InlineData("""[{"protocol":"TCP","localIPAddress":"10.9.9.9"}]""", 0)]
    public void Keeps_the_packets_a_session_with_these_filters_would_have_recorded(string filters, int packets)
    {
        var properties = new JsonObject { ["filters"] = JsonNode.Parse(filters) };

        byte[] kept = NetworkWatcherFilter.From(properties).Apply(Demo);

        Assert.Equal(packets, Diagnosis.Run(new MemoryStream(kept)).Analysis.Capture.Packets);
    }
}
