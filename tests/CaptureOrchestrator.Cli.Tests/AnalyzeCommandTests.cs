using System.Text.Json;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Cli.Tests;

public sealed class AnalyzeCommandTests
{
    private static string Demo => Path.Combine(CliRunner.RepositoryRoot(), "samples", "demo.pcap");

    [Fact]
    public void Json_output_is_only_json_with_the_documented_top_level()
    {
        CliResult result = CliRunner.Run("analyze", Demo, "--format", "json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        JsonElement capture = root.GetProperty("capture");
        Assert.Equal("pcap", capture.GetProperty("format").GetString());
        Assert.Equal("ETHERNET", capture.GetProperty("linkTypes")[0].GetString());
        Assert.Equal(41, capture.GetProperty("packetCount").GetInt64());
        Assert.StartsWith("2026-11-02T09:30:00", capture.GetProperty("firstTimestamp").GetString(), StringComparison.Ordinal);
        Assert.False(capture.GetProperty("truncated").GetBoolean());
        Assert.Equal(0, capture.GetProperty("malformedPackets").GetInt64());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("findings").ValueKind);
        Assert.Equal(5, root.GetProperty("flows").GetArrayLength());
    }

    [Fact]
    public void Failed_connections_are_listed_before_healthy_ones()
    {
        CliResult result = CliRunner.Run("analyze", Demo, "--format", "json");
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        string[] states = json.RootElement.GetProperty("flows").EnumerateArray().Select(f => f.GetProperty("state").GetString()!).ToArray();

        Assert.Equal(["S0", "REJ", "RSTR"], states[..3]);
        Assert.DoesNotContain(states[3..], s => s is "S0" or "REJ" or "RSTR");
    }

    [Fact]
    public void Text_output_names_the_problem_flows()
    {
        CliResult result = CliRunner.Run("analyze", Demo);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("10.3.0.5:3389", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("S0 1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("REJ 1", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_output_has_a_flow_table()
    {
        CliResult result = CliRunner.Run("analyze", Demo, "--format", "markdown");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.StartsWith("# Capture analysis: demo.pcap", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("| 4 | tcp | 10.1.0.4:50434 | 10.2.0.20:1433 | REJ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_option_writes_the_report_to_a_file_and_nothing_to_stdout()
    {
        using var temp = new TempDirectory();
        string target = temp.File("report.json");

        CliResult result = CliRunner.Run("analyze", Demo, "--format", "json", "--output", target);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(target));
        Assert.Equal(41, json.RootElement.GetProperty("capture").GetProperty("packetCount").GetInt64());
        Assert.False(File.Exists(target + ".tmp"));
    }

    [Fact]
    public void Unreadable_file_exits_2_with_one_line_naming_file_and_offset()
    {
        using var temp = new TempDirectory();
        string bogus = temp.File("not-a-capture.cap");
        File.WriteAllText(bogus, "this is a text file, not a capture");

        CliResult result = CliRunner.Run("analyze", bogus);

        Assert.Equal(ExitCodes.UnreadableCapture, result.ExitCode);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("not-a-capture.cap", line, StringComparison.Ordinal);
        Assert.Contains("byte offset 0", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_exits_2_without_a_stack_trace()
    {
        CliResult result = CliRunner.Run("analyze", "/nonexistent/capture.pcap");

        Assert.Equal(ExitCodes.UnreadableCapture, result.ExitCode);
        Assert.Contains("capture.pcap", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void File_cut_short_is_analysed_up_to_the_damage_with_a_warning()
    {
        using var temp = new TempDirectory();
        byte[] whole = File.ReadAllBytes(Demo);
        string cut = temp.File("cut.pcap");
        File.WriteAllBytes(cut, whole[..(whole.Length - 10)]);

        CliResult result = CliRunner.Run("analyze", cut, "--format", "json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("warning: cut.pcap", result.Stderr, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        JsonElement capture = json.RootElement.GetProperty("capture");
        Assert.Equal(40, capture.GetProperty("packetCount").GetInt64());
        Assert.True(capture.GetProperty("truncated").GetBoolean());
        Assert.True(capture.GetProperty("readError").GetProperty("offset").GetInt64() > 0);
    }

    [Fact]
    public void Unknown_format_is_a_usage_error()
    {
        CliResult result = CliRunner.Run("analyze", Demo, "--format", "xml");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("xml", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Shipped_demo_sample_is_exactly_what_the_demo_scenario_generates()
    {
        // Keeps samples/demo.pcap reproducible: regenerate it with `generate demo samples/demo.pcap`.
        Assert.Equal(DemoScenario.Build().ToArray(), File.ReadAllBytes(Demo));
    }
}
