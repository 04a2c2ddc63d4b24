using System.Text.Json;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Cli.Tests;

public sealed class CorrelationAndEvidenceTests
{
    private static string Demo => Path.Combine(CliRunner.RepositoryRoot(), "samples", "demo.pcap");

    [Fact]
    public void Evidence_capture_holds_only_the_packets_of_the_problem_flows()
    {
        using var temp = new TempDirectory();
        string evidence = temp.File("evidence.pcap");

        CliResult result = CliRunner.Run("analyze", Demo, "--format", "json", "--evidence", evidence);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        CaptureAnalysis extracted;
        using (FileStream stream = File.OpenRead(evidence))
        {
            extracted = new CaptureAnalyzer().Analyze(stream);
        }

        // The demo's problems: unanswered RDP (3 SYNs), refused SQL (SYN + RST), reset app connection (10 packets).
        Assert.Equal(15, extracted.Capture.Packets);
        Assert.Equal(3, extracted.Flows.TcpFlows);
        Assert.Equal(0, extracted.Flows.UdpFlows);
        Assert.Contains("evidence: evidence.pcap: 15 packets of 3 flows", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Evidence_with_several_inputs_is_a_usage_error()
    {
        using var temp = new TempDirectory();
        CliResult result = CliRunner.Run("analyze", Demo, Demo, "--evidence", temp.File("e.pcap"));
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.False(File.Exists(temp.File("e.pcap")));
    }

    [Fact]
    public void Two_captures_of_one_incident_say_where_packets_stop()
    {
        using var temp = new TempDirectory();
        var vm = new ScenarioBuilder(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        vm.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake().ClientSends(500).ServerSends(4000).Close();
        vm.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(20)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
        var gateway = new ScenarioBuilder(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        gateway.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake().ClientSends(500).ServerSends(4000).Close();
        File.WriteAllBytes(temp.File("vm.pcap"), vm.ToArray());
        File.WriteAllBytes(temp.File("gateway.pcap"), gateway.ToArray(CaptureFileFormat.PcapNg));

        CliResult json = CliRunner.Run("analyze", temp.File("vm.pcap"), temp.File("gateway.pcap"), "--format", "json");

        Assert.Equal(ExitCodes.Success, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Stdout);
        JsonElement root = document.RootElement;
        Assert.Contains("reach vm.pcap but never appear in gateway.pcap", root.GetProperty("verdict").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, root.GetProperty("captures").GetArrayLength());
        JsonElement correlation = root.GetProperty("correlation");
        Assert.Equal(["vm.pcap", "gateway.pcap"], correlation.GetProperty("path").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("PACKETS_LOST_BETWEEN_HOPS", correlation.GetProperty("findings")[0].GetProperty("code").GetString());

        CliResult text = CliRunner.Run("analyze", temp.File("vm.pcap"), temp.File("gateway.pcap"));
        Assert.Contains("Where packets stop appearing", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("gateway.pcap: absent", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_are_in_the_json_with_code_severity_evidence_filter_and_next_step()
    {
        CliResult result = CliRunner.Run("analyze", Demo, "--format", "json");
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        JsonElement root = json.RootElement;
        Assert.StartsWith("Connections to 10.3.0.5:3389 get no reply", root.GetProperty("verdict").GetString(), StringComparison.Ordinal);
        JsonElement first = root.GetProperty("findings")[0];
        Assert.Equal(1, first.GetProperty("rank").GetInt32());
        Assert.Equal("TCP_SYN_UNANSWERED", first.GetProperty("code").GetString());
        Assert.Equal("error", first.GetProperty("severity").GetString());
        Assert.Equal("10.3.0.5:3389", first.GetProperty("evidence").GetProperty("flow").GetProperty("server").GetString());
        Assert.Equal(3, first.GetProperty("evidence").GetProperty("facts").GetProperty("synPackets").GetDouble());
        Assert.Contains("tcp.dstport==3389", first.GetProperty("wiresharkFilter").GetString(), StringComparison.Ordinal);
        Assert.Contains("IP flow verify", first.GetProperty("nextStep").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, root.GetProperty("findings").GetArrayLength());
    }
}
