using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Reporting.Html;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Reporting;

/// <summary>The HTML page shows what came out of a capture as text, never as markup.</summary>
public sealed class HtmlReportWriterTests
{
    private const string Hostile = "<img src=x onerror=alert(1)>";

    [Fact]
    public void A_name_from_the_capture_that_looks_like_markup_is_shown_as_text()
    {
        var s = new ScenarioBuilder(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        string name = Hostile + ".contoso.com";
        s.Udp("10.1.0.4:53000", "168.63.129.16:53")
            .Send(true, DnsMessageBuilder.Query(7, name)).Wait(TimeSpan.FromMilliseconds(3))
            .Send(false, DnsMessageBuilder.Response(7, name, 3));
        byte[] capture = s.ToArray();
        DiagnosisResult diagnosis = Diagnosis.Run(new MemoryStream(capture));
        AnalysisReport report = ReportBuilder.Build(diagnosis, new SourceInfo { Name = "<b>capture</b>.pcap" }, 50);
        Assert.Contains(report.Findings, f => f.Title.Contains(Hostile, StringComparison.Ordinal)); // the name reached the report

        var html = new StringWriter();
        ReportWriter.Write(report, ReportFormat.Html, html, LadderCollector.Collect(new MemoryStream(capture), diagnosis.Findings));
        string page = html.ToString();

        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>capture", page, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page, StringComparison.Ordinal);
    }
}
