using System.CommandLine;
using System.Globalization;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Cli.Commands;

/// <summary><c>generate mixed OUTPUT --size 1GB</c>: reproducible synthetic captures for benchmarks and demos.</summary>
internal static class GenerateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var output = new Argument<FileInfo>("output") { Description = "Capture file to write" };
        var size = new Option<string>("--size") { Description = "Approximate file size, e.g. 500MB, 1GB", DefaultValueFactory = _ => "100MB" };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same file)", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format", "-f") { Description = "pcap, pcap-ns or pcapng", DefaultValueFactory = _ => "pcap" };
        format.AcceptOnlyFromAmong("pcap", "pcap-ns", "pcapng");

        var mixed = new Command("mixed", "Interleaved TCP connections: data of 60-1514 byte frames, retransmissions, resets, unanswered SYNs") { output, size, seed, format };
        mixed.SetAction(parse =>
        {
            if (!TryParseSize(parse.GetValue(size) ?? string.Empty, out long bytes))
            {
                stderr.WriteLine($"error: --size '{parse.GetValue(size)}' is not a size such as 500MB or 1GB");
                return ExitCodes.Usage;
            }

            CaptureFileFormat fileFormat = parse.GetValue(format) switch
            {
                "pcapng" => CaptureFileFormat.PcapNg,
                "pcap-ns" => CaptureFileFormat.PcapNanoseconds,
                _ => CaptureFileFormat.Pcap,
            };

            FileInfo target = parse.GetRequiredValue(output);
            using (var stream = new FileStream(target.FullName, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            using (var writer = ScenarioBuilder.CreateWriter(stream, fileFormat, leaveOpen: true))
            {
                GeneratedTraffic traffic = new MixedTrafficGenerator(parse.GetValue(seed)).Write(writer, bytes);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {target.Name}: {traffic.Packets} packets, {traffic.Flows} TCP flows ({traffic.Retransmissions} retransmissions, {traffic.ResetFlows} reset, {traffic.UnansweredFlows} unanswered)"));
            }

            return ExitCodes.Success;
        });

        var demoOutput = new Argument<FileInfo>("output") { Description = "Capture file to write" };
        var demo = new Command("demo", "The small capture shipped as samples/demo.pcap (timeouts, refusals, a reset, healthy traffic)") { demoOutput };
        demo.SetAction(parse =>
        {
            FileInfo target = parse.GetRequiredValue(demoOutput);
            using var stream = new FileStream(target.FullName, FileMode.Create, FileAccess.Write);
            DemoScenario.Build().WriteTo(stream);
            stdout.WriteLine($"wrote {target.Name}");
            return ExitCodes.Success;
        });

        var scanOutput = new Argument<FileInfo>("output") { Description = "Capture file to write" };
        var scanSize = new Option<string>("--size") { Description = "Approximate file size, e.g. 500MB, 1GB", DefaultValueFactory = _ => "100MB" };
        var scan = new Command("scan", "Worst case for memory: every packet a new, never-answered TCP flow (millions of flows)") { scanOutput, scanSize, seed };
        scan.SetAction(parse =>
        {
            if (!TryParseSize(parse.GetValue(scanSize) ?? string.Empty, out long bytes))
            {
                stderr.WriteLine($"error: --size '{parse.GetValue(scanSize)}' is not a size such as 500MB or 1GB");
                return ExitCodes.Usage;
            }

            FileInfo target = parse.GetRequiredValue(scanOutput);
            using var stream = new FileStream(target.FullName, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            using var writer = new PcapWriter(stream, leaveOpen: true);
            GeneratedTraffic traffic = new ScanTrafficGenerator(parse.GetValue(seed)).Write(writer, bytes);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {target.Name}: {traffic.Packets} packets, {traffic.Flows} TCP flows"));
            return ExitCodes.Success;
        });

        return new Command("generate", "Write a synthetic capture") { mixed, demo, scan };
    }

    internal static bool TryParseSize(string text, out long bytes)
    {
        text = text.Trim().ToUpperInvariant();
        long multiplier = 1;
        foreach ((string suffix, long factor) in new[] { ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1L) })
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                multiplier = factor;
                text = text[..^suffix.Length];
                break;
            }
        }

        bytes = 0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0)
        {
            return false;
        }

        bytes = (long)(value * multiplier);
        return true;
    }
}
