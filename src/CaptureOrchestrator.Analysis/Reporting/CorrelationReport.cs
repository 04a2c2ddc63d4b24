using System.Text.Json.Serialization;
using CaptureOrchestrator.Analysis.Correlation;
using CaptureOrchestrator.Analysis.Findings;

namespace CaptureOrchestrator.Analysis.Reporting;

/// <summary>`analyze a.pcap b.pcap ...`: each capture's report plus where packets stop appearing.</summary>
public sealed class MultiCaptureReport
{
    public int SchemaVersion { get; init; } = AnalysisReport.CurrentSchemaVersion;

    public required string Generator { get; init; }

    public required string Verdict { get; init; }

    public required IReadOnlyList<AnalysisReport> Captures { get; init; }

    public required CorrelationReport Correlation { get; init; }
}

public sealed class CorrelationReport
{
    /// <summary>Capture names in path order, as given on the command line.</summary>
    public required IReadOnlyList<string> Path { get; init; }

    public long ConversationsCompared { get; init; }

    public required IReadOnlyList<FindingReport> Findings { get; init; }

    /// <summary>Conversations where packets stop appearing first, then a sample of the rest.</summary>
    public required IReadOnlyList<CorrelatedFlowReport> Flows { get; init; }
}

public sealed record CorrelatedFlowReport(string Protocol, string Client, string Server, bool MatchedByNat, string? Verdict, IReadOnlyList<HopReport> Hops);

public sealed record HopReport(string Capture, bool Seen, long FromClient, long FromServer, string? State);

public static class CorrelationReportBuilder
{
    private const int SampleOfHealthy = 50;

    public static MultiCaptureReport Build(IReadOnlyList<AnalysisReport> captures, IReadOnlyList<CorrelatedFlow> flows)
    {
        var names = captures.Select(c => c.Source.Name).ToList();
        List<Finding> findings = CaptureCorrelator.Findings(flows, names).OrderByDescending(f => f.Weight).ToList();
        var lost = flows.Where(f => f.Verdict is not null).ToList();
        var shown = lost.Concat(flows.Where(f => f.Verdict is null).Take(SampleOfHealthy));
        string verdict = findings.Count > 0 ? findings[0].Verdict
            : lost.Count > 0 ? lost[0].Verdict!
            : captures.Select(c => c.Verdict).FirstOrDefault(v => !v.StartsWith("The captured traffic looks healthy", StringComparison.Ordinal)) ?? captures[0].Verdict;
        return new MultiCaptureReport
        {
            Generator = ReportBuilder.GeneratorName,
            Verdict = verdict,
            Captures = captures,
            Correlation = new CorrelationReport
            {
                Path = names,
                ConversationsCompared = flows.Count,
                Findings = findings.Select((f, i) => ReportBuilder.BuildFinding(f, i + 1)).ToList(),
                Flows = shown.Select(f => new CorrelatedFlowReport(f.Protocol, f.Client, f.Server, f.MatchedByNat, f.Verdict,
                    f.Hops.Select((h, i) => new HopReport(names[i], h is not null, h?.FromClient ?? 0, h?.FromServer ?? 0, h?.State.ToString())).ToList())).ToList(),
            },
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(MultiCaptureReport))]
public sealed partial class MultiCaptureJsonContext : JsonSerializerContext;
