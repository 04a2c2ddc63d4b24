using CaptureOrchestrator.Analysis.Engine;
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

    public static AnalysisReport Report(CaptureAnalysis analysis, int maxFlows = 1000) =>
        ReportBuilder.Build(analysis, new SourceInfo { Name = "test" }, maxFlows);
}
