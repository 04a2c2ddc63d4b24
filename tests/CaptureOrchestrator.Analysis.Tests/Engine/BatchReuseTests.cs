using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Engine;

/// <summary>
/// Analyses reuse the decoding batches (4 MiB of arena each) that earlier analyses returned, so a
/// server analysing one small capture after another does not churn large objects. Alone in its
/// collection: another test analysing at the same moment could hold the pooled batches.
/// </summary>
[Collection(Name)]
public sealed class BatchReuseTests
{
    public const string Name = "Batch reuse (measures this thread's allocations)";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_second_analysis_allocates_no_batches(bool separateThread)
    {
        byte[] capture = DemoScenario.Build().ToArray();
        var options = new CaptureAnalysisOptions { DecodeOnSeparateThread = separateThread };
        new CaptureAnalyzer(options).Analyze(new MemoryStream(capture));

        long before = GC.GetAllocatedBytesForCurrentThread();
        CaptureAnalysis second = new CaptureAnalyzer(options).Analyze(new MemoryStream(capture));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(second.Capture.Packets > 0);
        Assert.True(allocated < 4 << 20, $"the second analysis allocated {allocated:N0} bytes on this thread; one batch's arena alone is 4 MiB");
    }

    [Fact]
    public void A_batch_returned_after_damage_leaves_no_trace_in_the_next_analysis()
    {
        byte[] good = DemoScenario.Build().ToArray();
        byte[] damaged = good[..(good.Length - 7)]; // the last record cut short
        CaptureAnalysis expected = new CaptureAnalyzer().Analyze(new MemoryStream(good));

        CaptureAnalysis cut = new CaptureAnalyzer().Analyze(new MemoryStream(damaged));
        CaptureAnalysis after = new CaptureAnalyzer().Analyze(new MemoryStream(good));

        Assert.NotNull(cut.Capture.ReadError);
        Assert.Null(after.Capture.ReadError);
        Assert.Equal(expected.Capture.Packets, after.Capture.Packets);
        Assert.Equal(expected.Flows.Flows, after.Flows.Flows);
    }
}

[CollectionDefinition(BatchReuseTests.Name, DisableParallelization = true)]
public sealed class BatchReuseCollection;
