using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Support;

/// <summary>Runs the engine on files, bytes and scenarios.</summary>
public static class Analyze
{
    public static CaptureAnalysis File(string path)
    {
        using FileStream stream = System.IO.File.OpenRead(path);
        return new CaptureAnalyzer().Analyze(stream);
    }

    public static CaptureAnalysis Bytes(byte[] capture, CaptureAnalysisOptions? options = null)
    {
        using var stream = new MemoryStream(capture);
        return new CaptureAnalyzer(options).Analyze(stream);
    }

    public static CaptureAnalysis Scenario(ScenarioBuilder scenario, CaptureFileFormat format = CaptureFileFormat.Pcap) =>
        Bytes(scenario.ToArray(format));

    public static DiagnosisResult Diagnose(byte[] capture, DiagnosisContext? context = null)
    {
        using var stream = new MemoryStream(capture);
        return Consistent(Diagnosis.Run(stream, context));
    }

    public static DiagnosisResult Diagnose(ScenarioBuilder scenario, DiagnosisContext? context = null) => Diagnose(scenario.ToArray(), context);

    /// <summary>
    /// Sweeps the flow table after every packet and finishes flows on capture time alone (no
    /// minimum packet count), so a test sees exactly when the table lets a conversation go.
    /// </summary>
    public static readonly CaptureAnalysisOptions EvictOnTimeAlone = new()
    {
        Flows = new FlowTableOptions { SweepIntervalPackets = 1, MinimumPacketsBeforeEviction = 0 },
    };

    /// <summary>Diagnoses with <see cref="EvictOnTimeAlone"/>.</summary>
    public static DiagnosisResult DiagnoseEvictingOnTime(ScenarioBuilder scenario)
    {
        using var stream = new MemoryStream(scenario.ToArray());
        return Consistent(Diagnosis.Run(stream, options: EvictOnTimeAlone));
    }

    public static DiagnosisResult DiagnoseFile(string path, DiagnosisContext? context = null)
    {
        using FileStream stream = System.IO.File.OpenRead(path);
        return Consistent(Diagnosis.Run(stream, context));
    }

    /// <summary>Every report a test produces is checked against the consistency rules.</summary>
    public static DiagnosisResult Consistent(DiagnosisResult result)
    {
        Xunit.Assert.True(result.Contradictions.Count == 0, "The report contradicts itself: " + string.Join("; ", result.Contradictions));
        return result;
    }

    public static AnalysisReport Report(DiagnosisResult diagnosis, int maxFlows = 1000) =>
        ReportBuilder.Build(diagnosis, new SourceInfo { Name = "test" }, maxFlows);
}
