using System.CommandLine;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Correlation;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Reporting.Html;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Cli.Commands;

/// <summary>
/// <c>analyze FILE... [--format text|json|markdown] [--output FILE] [--evidence FILE] [--top N] [--vpn]</c>.
/// Several files are captures of one incident in path order (client side first) and are correlated.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, bool stderrIsTerminal)
    {
        var files = new Argument<FileInfo[]>("files")
        {
            Description = "pcap or pcapng captures (Network Watcher .cap files are pcap). Several: the same incident captured at several points, in path order from client to server",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format", "-f") { Description = "Output format", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "markdown", "html");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the report to this file instead of standard output" };
        var evidence = new Option<FileInfo?>("--evidence") { Description = "Write the packets of the flows behind the findings to this capture file (one input only)" };
        var top = new Option<int>("--top") { Description = "Flows to list (failed first, then the largest)", DefaultValueFactory = _ => 50 };
        var vpn = new Option<bool>("--vpn") { Description = "The traffic crosses an Azure VPN gateway (enables the tunnel MSS check)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display" };

        var command = new Command("analyze", "Analyse captures: verdict, findings with Azure next steps, capture facts, flow table") { files, format, output, evidence, top, vpn, quiet };
        command.SetAction(parse =>
        {
            var request = new AnalyzeRequest(
                parse.GetRequiredValue(files),
                Enum.Parse<ReportFormat>(parse.GetValue(format) ?? "text", ignoreCase: true),
                parse.GetValue(output),
                parse.GetValue(evidence),
                parse.GetValue(top),
                new DiagnosisContext { PathCrossesVpn = parse.GetValue(vpn) },
                stderrIsTerminal && !parse.GetValue(quiet));
            return Run(request, stdout, stderr);
        });
        return command;
    }

    private sealed record AnalyzeRequest(FileInfo[] Files, ReportFormat Format, FileInfo? Output, FileInfo? Evidence, int Top, DiagnosisContext Context, bool ShowProgress);

    private sealed record Analysed(FileInfo File, DiagnosisResult Diagnosis, AnalysisReport Report, FlowIndex Flows);

    private static int Run(AnalyzeRequest request, TextWriter stdout, TextWriter stderr)
    {
        if (request.Top < 0)
        {
            stderr.WriteLine("error: --top must be zero or more");
            return ExitCodes.Usage;
        }

        if (request.Evidence is not null && request.Files.Length > 1)
        {
            stderr.WriteLine("error: --evidence takes a single capture; run analyze once per capture to extract evidence");
            return ExitCodes.Usage;
        }

        var analysed = new List<Analysed>();
        foreach (FileInfo file in request.Files)
        {
            Analysed? one = AnalyseOne(file, request, stderr);
            if (one is null)
            {
                return ExitCodes.UnreadableCapture;
            }

            analysed.Add(one);
        }

        if (request.Evidence is { } evidenceFile && !WriteEvidence(analysed[0], evidenceFile, stderr))
        {
            return ExitCodes.OutputFailed;
        }

        Action<TextWriter> write;
        if (analysed.Count == 1)
        {
            // The HTML page draws the failing flows packet by packet: a second pass over the capture.
            IReadOnlyList<LadderDiagram> ladders = request.Format == ReportFormat.Html ? Ladders(analysed[0]) : [];
            write = o => ReportWriter.Write(analysed[0].Report, request.Format, o, ladders);
        }
        else
        {
            IReadOnlyList<CorrelatedFlow> correlated = CaptureCorrelator.Correlate(analysed.Select(a => new CorrelationInput(a.File.Name, a.Flows.Flows)).ToList());
            MultiCaptureReport report = CorrelationReportBuilder.Build(analysed.Select(a => a.Report).ToList(), correlated);
            write = o => ReportWriter.Write(report, request.Format, o);
        }

        if (request.Output is null)
        {
            write(stdout);
            return ExitCodes.Success;
        }

        return OutputFile.Write(request.Output, write, stderr) ? ExitCodes.Success : ExitCodes.OutputFailed;
    }

    private static Analysed? AnalyseOne(FileInfo input, AnalyzeRequest request, TextWriter stderr)
    {
        // Every flow is indexed only when there are other captures to correlate with.
        var flows = new FlowIndex(request.Files.Length > 1 ? 200_000 : 0);
        DiagnosisResult diagnosis;
        long size;
        try
        {
            using FileStream stream = new(input.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            size = stream.Length;
            using var progress = request.ShowProgress ? new ConsoleProgress(stderr, input.Name, size) : null;
            diagnosis = Diagnosis.Run(stream, request.Files.Length > 1 ? [flows] : [], request.Context, progress: progress);
        }
        catch (CaptureFormatException e)
        {
            stderr.WriteLine($"error: {input.Name}: cannot read capture: {e.Reason} (at byte offset {e.Offset})");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {input.FullName}: {e.Message}");
            return null;
        }

        if (diagnosis.Analysis.Capture.ReadError is { } damage)
        {
            stderr.WriteLine($"warning: {input.Name}: {damage.Reason} at byte offset {damage.Offset}; the report covers the {diagnosis.Analysis.Capture.Packets} packets before it");
        }

        foreach (string contradiction in diagnosis.Contradictions)
        {
            stderr.WriteLine($"warning: {input.Name}: the report contradicts itself (an analysis defect, please report it): {contradiction}");
        }

        AnalysisReport report = ReportBuilder.Build(diagnosis, new SourceInfo { Name = input.Name, SizeBytes = size }, request.Top);
        return new Analysed(input, diagnosis, report, flows);
    }

    private static IReadOnlyList<LadderDiagram> Ladders(Analysed analysed)
    {
        using FileStream source = File.OpenRead(analysed.File.FullName);
        return LadderCollector.Collect(source, analysed.Diagnosis.Findings);
    }

    private static bool WriteEvidence(Analysed analysed, FileInfo target, TextWriter stderr) =>
        OutputFile.WriteBinary(target, destination =>
        {
            using FileStream source = File.OpenRead(analysed.File.FullName);
            EvidenceSummary summary = EvidenceWriter.Write(source, analysed.Diagnosis.Findings, destination);
            stderr.WriteLine($"evidence: {target.Name}: {summary.PacketsWritten} packets of {summary.Flows} flows");
        }, stderr);
}
