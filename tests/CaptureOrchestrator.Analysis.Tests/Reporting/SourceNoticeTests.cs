using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Reporting.Html;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Reporting;

/// <summary>A notice about the source (a simulated run's sample) comes before the verdict in every format, and nowhere without one.</summary>
public sealed class SourceNoticeTests
{
    private const string Notice = "SIMULATED: a sample capture";

    [Theory]
    [InlineData(ReportFormat.Text, "Notice      " + Notice, "Verdict")]
    [InlineData(ReportFormat.Markdown, "> **" + Notice + "**", "**Verdict:**")]
    [InlineData(ReportFormat.Html, "<div class=\"notice\" id=\"notice\">" + Notice + "</div>", "id=\"verdict\"")]
    [InlineData(ReportFormat.Json, "\"notice\": \"" + Notice + "\"", "\"verdict\"")]
    public void The_notice_comes_before_the_verdict(ReportFormat format, string noticeText, string verdictMarker)
    {
        string withNotice = Write(format, Notice);
        string without = Write(format, null);

        int notice = withNotice.IndexOf(noticeText, StringComparison.Ordinal);
        Assert.True(notice >= 0, withNotice);
        if (format != ReportFormat.Json) // JSON keeps its property order; readers find the field by name
        {
            Assert.True(notice < withNotice.IndexOf(verdictMarker, StringComparison.Ordinal), withNotice);
        }

        Assert.DoesNotContain(Notice, without, StringComparison.Ordinal);
    }

    private static string Write(ReportFormat format, string? notice)
    {
        byte[] capture = DemoScenario.Build().ToArray();
        DiagnosisResult diagnosis = Diagnosis.Run(new MemoryStream(capture));
        AnalysisReport report = ReportBuilder.Build(diagnosis, new SourceInfo { Name = "vm1.cap", Notice = notice }, 50);
        var output = new StringWriter();
        ReportWriter.Write(report, format, output, format == ReportFormat.Html ? LadderCollector.Collect(new MemoryStream(capture), diagnosis.Findings) : []);
        return output.ToString();
    }
}
