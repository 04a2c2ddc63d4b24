using System.Text.Json;
using CaptureOrchestrator.Cli.Commands;

namespace CaptureOrchestrator.Cli.Tests;

public sealed class GenerateCommandTests
{
    [Theory]
    [InlineData("1GB", 1L << 30)]
    [InlineData("500MB", 500L << 20)]
    [InlineData("1.5kb", 1536)]
    [InlineData("4096", 4096)]
    public void Sizes_parse(string text, long expected)
    {
        Assert.True(GenerateCommand.TryParseSize(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("big")]
    [InlineData("-5MB")]
    public void Bad_sizes_are_rejected(string text) => Assert.False(GenerateCommand.TryParseSize(text, out _));

    [Fact]
    public void Mixed_traffic_is_reproducible_and_analyses_to_what_was_generated()
    {
        using var temp = new TempDirectory();
        string first = temp.File("a.pcap");
        string second = temp.File("b.pcap");

        CliResult generated = CliRunner.Run("generate", "mixed", first, "--size", "2MB", "--seed", "7");
        CliRunner.Run("generate", "mixed", second, "--size", "2MB", "--seed", "7");

        Assert.Equal(ExitCodes.Success, generated.ExitCode);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        long flows = long.Parse(generated.Stdout.Split(' ').SkipWhile(w => w != "packets,").Skip(1).First());

        CliResult analysed = CliRunner.Run("analyze", first, "--format", "json");
        using JsonDocument json = JsonDocument.Parse(analysed.Stdout);
        Assert.Equal(flows, json.RootElement.GetProperty("flowSummary").GetProperty("tcp").GetInt64());
    }
}
