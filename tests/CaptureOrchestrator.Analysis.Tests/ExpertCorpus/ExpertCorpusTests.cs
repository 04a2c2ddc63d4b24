using System.Text.Json;
using System.Text.Json.Serialization;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.ExpertCorpus;

/// <summary>
/// What an experienced network engineer concludes from each capture — every readable real
/// capture in ../shared/captures and every generated ticket in <see cref="ExpertScenarios"/> —
/// written down in expert-corpus.json: the finding that must lead, findings that must and must
/// not appear, and a bound on how many a reader has to get through. Every report is checked
/// against it (and, through <see cref="Analyze"/>, against the consistency rules).
/// </summary>
public sealed class ExpertCorpusTests
{
    private static readonly Lazy<Corpus> Data = new(() =>
        JsonSerializer.Deserialize<Corpus>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ExpertCorpus", "expert-corpus.json")), Options)
        ?? throw new InvalidDataException("expert-corpus.json is empty"));

    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static TheoryData<string> Captures() => [.. Data.Value.Captures.Select(c => c.Name)];

    public static TheoryData<string> Scenarios() => [.. Data.Value.Scenarios.Select(c => c.Name)];

    [SharedCapturesTheory]
    [MemberData(nameof(Captures))]
    public void A_real_capture_gets_the_engineers_reading(string name) =>
        Check(Data.Value.Captures.Single(c => c.Name == name), Analyze.DiagnoseFile(SharedCaptures.PathOf(name)));

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void A_generated_ticket_gets_the_engineers_reading(string name) =>
        Check(Data.Value.Scenarios.Single(c => c.Name == name), Analyze.Diagnose(ExpertScenarios.All[name]()));

    [SharedCapturesFact]
    public void Every_readable_shared_capture_has_an_entry()
    {
        var listed = Data.Value.Captures.Select(c => c.Name).ToHashSet();
        var readable = SharedCaptures.ReadableFiles().Cast<object[]>().Select(row => (string)row[0]).ToHashSet();
        Assert.Empty(readable.Except(listed));
        Assert.Empty(listed.Except(readable));
    }

    [Fact]
    public void Every_generated_ticket_has_an_entry_and_every_class_a_near_miss()
    {
        Assert.Equal(ExpertScenarios.All.Keys.Order(), Data.Value.Scenarios.Select(s => s.Name).Order());
        foreach (var judgement in Data.Value.Scenarios.GroupBy(s => s.Judgement))
        {
            Assert.True(judgement.Any(s => s.Name.StartsWith("near-miss-", StringComparison.Ordinal)), $"judgement {judgement.Key} has no near-miss");
            Assert.True(judgement.Any(s => !s.Name.StartsWith("near-miss-", StringComparison.Ordinal)), $"judgement {judgement.Key} has no case where it fires");
        }
    }

    [Fact]
    public void Every_code_named_in_the_corpus_exists()
    {
        var codes = typeof(FindingCodes).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        foreach (Entry entry in Data.Value.Captures.Concat(Data.Value.Scenarios))
        {
            Assert.All(entry.Expect.Concat(entry.Forbid).Append(entry.Top), code => Assert.True(codes.Contains(code), $"{entry.Name}: unknown code {code}"));
        }
    }

    private static void Check(Entry entry, DiagnosisResult result)
    {
        List<string> codes = result.Findings.Select(f => f.Code).ToList();
        string seen = $"{entry.Name}: got [{string.Join(", ", codes)}] — verdict: {result.Verdict}";
        Assert.True(entry.Top == codes[0], $"top finding should be {entry.Top}. {seen}");
        Assert.All(entry.Expect, code => Assert.True(codes.Contains(code), $"{code} expected. {seen}"));
        Assert.All(entry.Forbid, code => Assert.False(codes.Contains(code), $"{code} must not appear. {seen}"));
        Assert.True(codes.Count <= entry.MaxFindings, $"at most {entry.MaxFindings} findings. {seen}");
    }

    private sealed record Corpus(IReadOnlyList<Entry> Captures, IReadOnlyList<Entry> Scenarios);

    /// <param name="Name">File in ../shared/captures, or key of <see cref="ExpertScenarios.All"/>.</param>
    /// <param name="Judgement">Scenarios: the class of judgement (issue 16's numbering) it exercises.</param>
    /// <param name="Conclusion">What the engineer concludes, in words.</param>
    /// <param name="Top">Code of the finding that must lead.</param>
    /// <param name="Expect">Codes that must appear.</param>
    /// <param name="Forbid">Codes that must not appear.</param>
    /// <param name="MaxFindings">Most findings a reader should have to read.</param>
    /// <param name="Manifest">Where this reading differs from the MANIFEST.md note, and why.</param>
    private sealed record Entry(
        string Name,
        string Conclusion,
        string Top,
        IReadOnlyList<string> Expect,
        IReadOnlyList<string> Forbid,
        int MaxFindings,
        int? Judgement = null,
        string? Manifest = null);
}
