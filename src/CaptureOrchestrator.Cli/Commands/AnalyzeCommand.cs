using System.CommandLine;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;

namespace CaptureOrchestrator.Cli.Commands;

/// <summary><c>analyze FILE [--format text|json|markdown] [--output FILE] [--top N]</c>.</summary>
internal static class AnalyzeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, bool stderrIsTerminal)
    {
        var file = new Argument<FileInfo>("file") { Description = "pcap or pcapng capture (Network Watcher .cap files are pcap)" };
        var format = new Option<string>("--format", "-f") { Description = "Output format", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "markdown");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the report to this file instead of standard output" };
        var top = new Option<int>("--top") { Description = "Flows to list (failed first, then the largest)", DefaultValueFactory = _ => 50 };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display" };

        var command = new Command("analyze", "Analyse a capture: capture facts, flow table, findings") { file, format, output, top, quiet };
        command.SetAction(parse =>
        {
            FileInfo input = parse.GetRequiredValue(file);
            ReportFormat reportFormat = Enum.Parse<ReportFormat>(parse.GetValue(format) ?? "text", ignoreCase: true);
            int maxFlows = parse.GetValue(top);
            if (maxFlows < 0)
            {
                stderr.WriteLine("error: --top must be zero or more");
                return ExitCodes.Usage;
            }

            bool showProgress = stderrIsTerminal && !parse.GetValue(quiet);
            return Run(input, reportFormat, parse.GetValue(output), maxFlows, showProgress, stdout, stderr);
        });
        return command;
    }

    private static int Run(FileInfo input, ReportFormat format, FileInfo? output, int maxFlows, bool showProgress, TextWriter stdout, TextWriter stderr)
    {
        DiagnosisResult diagnosis;
        long size;
        try
        {
            using FileStream stream = new(input.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            size = stream.Length;
            using var progress = showProgress ? new ConsoleProgress(stderr, input.Name, size) : null;
            diagnosis = Diagnosis.Run(stream, progress: progress);
        }
        catch (CaptureFormatException e)
        {
            stderr.WriteLine($"error: {input.Name}: cannot read capture: {e.Reason} (at byte offset {e.Offset})");
            return ExitCodes.UnreadableCapture;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {input.FullName}: {e.Message}");
            return ExitCodes.UnreadableCapture;
        }

        CaptureAnalysis analysis = diagnosis.Analysis;
        if (analysis.Capture.ReadError is { } damage)
        {
            stderr.WriteLine($"warning: {input.Name}: {damage.Reason} at byte offset {damage.Offset}; the report covers the {analysis.Capture.Packets} packets before it");
        }

        AnalysisReport report = ReportBuilder.Build(diagnosis, new SourceInfo { Name = input.Name, SizeBytes = size }, maxFlows);
        if (output is null)
        {
            ReportWriter.Write(report, format, stdout);
            return ExitCodes.Success;
        }

        return WriteFile(report, format, output, stderr);
    }

    private static int WriteFile(AnalysisReport report, ReportFormat format, FileInfo output, TextWriter stderr)
    {
        // Write beside the target and rename, so a reader never sees half a report.
        string temporary = output.FullName + ".tmp";
        try
        {
            using (var writer = new StreamWriter(temporary))
            {
                ReportWriter.Write(report, format, writer);
            }

            File.Move(temporary, output.FullName, overwrite: true);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot write {output.FullName}: {e.Message}");
            File.Delete(temporary);
            return ExitCodes.OutputFailed;
        }
    }
}
