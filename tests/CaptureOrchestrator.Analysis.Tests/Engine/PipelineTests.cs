using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Tests.Engine;

/// <summary>Decoding on a second thread must change nothing but the speed.</summary>
public sealed class PipelineTests
{
    private static string ReportJson(Stream capture, bool separateThread)
    {
        var options = new CaptureAnalysisOptions { DecodeOnSeparateThread = separateThread };
        DiagnosisResult result = Diagnosis.Run(capture, options: options);
        AnalysisReport report = ReportBuilder.Build(result, new SourceInfo { Name = "x" }, 1000);
        using var text = new StringWriter();
        ReportWriter.Write(report, ReportFormat.Json, text);
        return text.ToString();
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Same_report_with_and_without_the_decoding_thread(string file)
    {
        using FileStream first = File.OpenRead(SharedCaptures.PathOf(file));
        using FileStream second = File.OpenRead(SharedCaptures.PathOf(file));
        Assert.Equal(ReportJson(first, separateThread: false), ReportJson(second, separateThread: true));
    }

    [Fact]
    public void Many_batches_of_generated_traffic_give_the_same_result()
    {
        using var memory = new MemoryStream();
        using (var writer = new PcapWriter(memory, leaveOpen: true))
        {
            new MixedTrafficGenerator(seed: 3).Write(writer, 12_000_000); // several thousand packets: many batches
        }

        byte[] capture = memory.ToArray();
        Assert.Equal(ReportJson(new MemoryStream(capture), false), ReportJson(new MemoryStream(capture), true));
    }

    [Fact]
    public void An_observer_that_throws_stops_the_decoding_thread_and_surfaces()
    {
        byte[] capture = DemoScenario.Build().ToArray();
        var analyzer = new CaptureAnalyzer().AddObserver(new Throwing());
        var error = Assert.Throws<InvalidOperationException>(() => analyzer.Analyze(new MemoryStream(capture)));
        Assert.Equal("observer failed", error.Message);
    }

    [Fact]
    public void A_failing_stream_surfaces_its_own_exception()
    {
        byte[] capture = DemoScenario.Build().ToArray();
        var stream = new FailingStream(capture, failAfter: 2000);
        Assert.Throws<IOException>(() => new CaptureAnalyzer().Analyze(stream));
    }

    [Fact]
    public void Cancellation_ends_the_analysis()
    {
        using var memory = new MemoryStream();
        using (var writer = new PcapWriter(memory, leaveOpen: true))
        {
            new MixedTrafficGenerator(seed: 4).Write(writer, 20_000_000);
        }

        using var cancel = new CancellationTokenSource();
        var progress = new CancelOnFirstReport(cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => new CaptureAnalyzer().Analyze(new MemoryStream(memory.ToArray()), progress, cancel.Token));
    }

    public static TheoryData<string> ReadableFiles() => SharedCaptures.ReadableFiles();

    private sealed class Throwing : IFlowObserver
    {
        public void OnFlowFinished(Flow flow) => throw new InvalidOperationException("observer failed");
    }

    private sealed class CancelOnFirstReport(CancellationTokenSource source) : IProgress<CaptureProgress>
    {
        public void Report(CaptureProgress value) => source.Cancel();
    }

    private sealed class FailingStream(byte[] data, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("connection reset while downloading the capture");
            }

            int n = Math.Min(Math.Min(count, 512), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
