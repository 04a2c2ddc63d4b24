using System.Diagnostics;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Activities.Telemetry;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Reporting.Html;
using CaptureOrchestrator.Analysis.Writing;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>
/// Streams each capture file from storage through the analysis engine (no local copy), stores the
/// JSON and Markdown reports and an evidence capture of the problem flows next to them.
/// </summary>
internal sealed partial class AnalyzeCaptureActivity(CaptureServices services) : Activity<AnalyzeCaptureInput, TargetAnalysis>
{
    private const int FlowsInReport = 50;

    public override async Task<TargetAnalysis> RunAsync(WorkflowActivityContext context, AnalyzeCaptureInput input, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        TargetAnalysis analysis = await AnalyzeAsync(input, cancellationToken).ConfigureAwait(false);
        var kind = new KeyValuePair<string, object?>("target.kind", input.Target.Kind.ToString());
        OrchestratorTelemetry.AnalysisDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, kind);
        OrchestratorTelemetry.CaptureBytes.Add(input.Files.Sum(f => f.Length), kind);
        return analysis;
    }

    private async Task<TargetAnalysis> AnalyzeAsync(AnalyzeCaptureInput input, CancellationToken cancellationToken)
    {
        StoreContainer reports = services.Blobs.Container(services.Settings.ReportsContainer);
        await AzureErrors.Classify("create the reports container", () => reports.CreateIfNotExistsAsync(cancellationToken)).ConfigureAwait(false);
        // Empty files (firewall instances that matched nothing) say nothing beside a file with packets; alone, one of them is the answer.
        CaptureFile[] withPackets = [.. input.Files.Where(f => f.Length > 0)];
        int empty = input.Files.Count - withPackets.Length;
        var perFile = new List<(AnalysisReport Report, IReadOnlyList<Finding> Findings, string JsonBlob)>();
        foreach (CaptureFile file in withPackets.Length > 0 ? withPackets : input.Files.Take(1))
        {
            perFile.Add(await AnalyzeFileAsync(input, file, reports, cancellationToken).ConfigureAwait(false));
        }

        // The file with the most serious finding speaks for the target; the findings of all files are
        // listed once each, most serious first (each file's findings come ranked, the lead first).
        (AnalysisReport lead, _, string leadBlob) = perFile.OrderByDescending(f => f.Findings.Count == 0 ? (FindingSeverity?)null : f.Findings[0].Severity).First();
        FindingSummary[] findings = perFile.SelectMany(f => f.Findings)
            .GroupBy(f => f.Code)
            .Select(g => g.MaxBy(f => f.Severity)!)
            .OrderByDescending(f => f.Severity)
            .Select(f => new FindingSummary(f.Code, f.Severity, f.Title))
            .ToArray();
        string verdict = input.Files.Count == 1 ? lead.Verdict
            : empty == 0 ? $"{lead.Verdict} ({input.Files.Count} capture files)"
            : $"{lead.Verdict} ({input.Files.Count} capture files, {empty} empty: no matching packet passed those instances)";
        return new TargetAnalysis(verdict, findings, perFile.Sum(f => f.Report.Capture.PacketCount), perFile.Sum(f => f.Report.FlowSummary.Total), reports.BlobUri(leadBlob).AbsoluteUri, input.Files);
    }

    private async Task<(AnalysisReport, IReadOnlyList<Finding>, string)> AnalyzeFileAsync(AnalyzeCaptureInput input, CaptureFile file, StoreContainer reports, CancellationToken cancellationToken)
    {
        (StoreContainer container, string blobName) = services.Blobs.Locate(file.BlobUrl);
        string fileName = blobName[(blobName.LastIndexOf('/') + 1)..];
        var context = new DiagnosisContext { PathCrossesVpn = input.Target.Kind is TargetKind.VpnGateway or TargetKind.VpnConnection or TargetKind.VirtualWanGateway or TargetKind.VirtualWanConnection };

        DiagnosisResult diagnosis;
        await using (Stream capture = file.Length == 0
            ? EmptyCapture()
            : await AzureErrors.Classify("open the capture file", () => container.OpenReadAsync(blobName, cancellationToken)).ConfigureAwait(false))
        {
            try
            {
                diagnosis = Diagnosis.Run(capture, context, cancellationToken: cancellationToken);
            }
            catch (CaptureFormatException ex)
            {
                throw new PermanentFailureException($"{fileName} is not a readable capture: {ex.Reason} (at byte offset {ex.Offset})", ex);
            }
        }

        if (diagnosis.Contradictions.Count > 0)
        {
            // A defect of the analysis, not of the capture: the report still goes out, and the log says what is wrong with it.
            LogContradictions(services.Logger<AnalyzeCaptureActivity>(), fileName, input.OperationId, string.Join("; ", diagnosis.Contradictions));
        }

        AnalysisReport report = ReportBuilder.Build(diagnosis, new SourceInfo { Name = fileName, SizeBytes = file.Length, Notice = services.Settings.SimulationNotice }, FlowsInReport);
        string stem = $"{input.OperationId}/target-{input.Target.Index}/{fileName}";
        await UploadTextAsync(reports, stem + ".json", "application/json", w => ReportWriter.Write(report, ReportFormat.Json, w), cancellationToken).ConfigureAwait(false);
        await UploadTextAsync(reports, stem + ".md", "text/markdown", w => ReportWriter.Write(report, ReportFormat.Markdown, w), cancellationToken).ConfigureAwait(false);

        // One more pass over the capture picks out the packets of the flows behind the findings and
        // draws the failing flows packet by packet for the page a person opens.
        IReadOnlyList<LadderDiagram> ladders = [];
        if (diagnosis.Findings.Count > 0 && file.Length > 0)
        {
            await using Stream again = await container.OpenReadAsync(blobName, cancellationToken).ConfigureAwait(false);
            using var evidence = new MemoryStream();
            var collector = new LadderCollector(diagnosis.Findings);
            EvidenceWriter.Write(again, diagnosis.Findings, evidence, collector);
            ladders = collector.Diagrams();
            evidence.Position = 0;
            await reports.UploadAsync(stem + ".evidence.pcap", evidence, "application/vnd.tcpdump.pcap", overwrite: true, cancellationToken).ConfigureAwait(false);
        }

        await UploadTextAsync(reports, stem + ".html", "text/html; charset=utf-8", w => HtmlReportWriter.Write(report, ladders, w), cancellationToken).ConfigureAwait(false);
        return (report, diagnosis.Findings, stem + ".json");
    }

    /// <summary>A zero-byte file holds no packets: analysed as the capture with no packets it stands for.</summary>
    private static MemoryStream EmptyCapture()
    {
        var capture = new MemoryStream();
        using (new PcapWriter(capture, leaveOpen: true))
        {
        }

        capture.Position = 0;
        return capture;
    }

    private static async Task UploadTextAsync(StoreContainer container, string name, string contentType, Action<TextWriter> write, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, leaveOpen: true))
        {
            write(writer);
        }

        buffer.Position = 0;
        await container.UploadAsync(name, buffer, contentType, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The report for {File} of operation {OperationId} contradicts itself: {Contradictions}")]
    private static partial void LogContradictions(ILogger logger, string file, string operationId, string contradictions);
}
