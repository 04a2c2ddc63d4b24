using System.Globalization;
using System.Net;
using System.Text;
using CaptureOrchestrator.Analysis.Flows;
using static CaptureOrchestrator.Analysis.Reporting.Html.HtmlText;

namespace CaptureOrchestrator.Analysis.Reporting.Html;

/// <summary>
/// The report as one self-contained HTML page for a person to look at: the verdict, the findings
/// with their Azure next steps, a ladder diagram (inline SVG) of each failing flow, and the flow
/// table. No script, font or stylesheet is fetched: a Content-Security-Policy that forbids every
/// source but inline styles and data: images says so to the browser, which enforces it.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>The page style, shared with the operation page the orchestrator writes around the per-target pages.</summary>
    public const string Style = """
        :root { color-scheme: light; --error: #cf222e; --warning: #9a6700; --info: #57606a; --line: #d0d7de; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; color: #1f2328; }
        h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        .notice { font-weight: 700; padding: 8px 16px; background: #fff3cd; border: 2px dashed #b58100; margin: 12px 0; }
        .verdict { font-size: 17px; font-weight: 600; padding: 12px 16px; border-left: 5px solid var(--sev, var(--info)); background: #f6f8fa; margin: 12px 0; }
        .facts { color: var(--info); }
        .finding { border: 1px solid var(--line); border-left: 5px solid var(--sev); border-radius: 6px; padding: 10px 14px; margin: 10px 0; }
        .sev-error { --sev: var(--error); } .sev-warning { --sev: var(--warning); } .sev-info { --sev: var(--info); }
        .badge { display: inline-block; font-size: 11px; font-weight: 700; text-transform: uppercase; color: #fff; background: var(--sev); border-radius: 10px; padding: 1px 8px; margin-right: 6px; }
        .code { font-family: ui-monospace, monospace; font-size: 12px; color: var(--info); }
        .next { background: #ddf4ff; border-radius: 4px; padding: 6px 10px; margin-top: 6px; }
        code, .filter { font-family: ui-monospace, monospace; font-size: 12px; }
        table { border-collapse: collapse; width: 100%; font-size: 12px; } th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
        tr.failed td { background: #fff8f8; }
        figure { margin: 12px 0 20px; } figcaption { font-weight: 600; margin-bottom: 4px; }
        svg.ladder text { font: 11px ui-monospace, monospace; }
        """;

    public static void Write(AnalysisReport report, IReadOnlyList<LadderDiagram> ladders, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(64 * 1024);
        string lead = report.Findings.Count > 0 ? report.Findings[0].Severity : "info";
        html.Append(Head($"{report.Source.Name} — {report.Verdict}"))
            .Append("<h1>Capture report: ").Append(E(report.Source.Name)).Append("</h1>\n")
            .Append(report.Source.Notice is { } notice ? $"<div class=\"notice\" id=\"notice\">{E(notice)}</div>\n" : string.Empty)
            .Append("<div class=\"verdict sev-").Append(E(lead)).Append("\" id=\"verdict\">").Append(E(report.Verdict)).Append("</div>\n")
            .Append("<p class=\"facts\">").Append(Facts(report)).Append("</p>\n");

        Findings(html, report.Findings);
        Ladders(html, ladders);
        Flows(html, report);
        html.Append("<p class=\"facts\">").Append(E(report.Generator)).Append("</p>\n</body>\n</html>\n");
        output.Write(html.ToString());
    }

    private static string Facts(AnalysisReport report)
    {
        CaptureFacts c = report.Capture;
        FlowSummaryReport f = report.FlowSummary;
        return E(string.Create(CultureInfo.InvariantCulture,
            $"{c.PacketCount:N0} packets, {f.Total:N0} flows ({f.FailedTcpConnections:N0} failed TCP connections), {c.DurationSeconds:0.###} s from {c.FirstTimestamp ?? "-"}, {c.Format} ({c.FormatDetail})"));
    }

    /// <summary>
    /// Several captures of one incident along a path (<c>analyze a.pcap b.pcap</c>): the verdict, a
    /// picture of the path for each conversation that stops appearing, with the point where it
    /// stops marked, then each capture point's own verdict and findings.
    /// </summary>
    public static void Write(MultiCaptureReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        IReadOnlyList<string> path = report.Correlation.Path;
        string lead = report.Correlation.Findings.Count > 0 ? report.Correlation.Findings[0].Severity
            : report.Correlation.Flows.Any(f => f.Verdict is not null) ? "error" : "info";
        var html = new StringBuilder(64 * 1024)
            .Append(Head($"{string.Join(" → ", path)} — {report.Verdict}"))
            .Append("<h1>Correlated captures: ").Append(E(string.Join(" → ", path))).Append("</h1>\n")
            .Append("<div class=\"verdict sev-").Append(E(lead)).Append("\" id=\"verdict\">").Append(E(report.Verdict)).Append("</div>\n")
            .Append("<p class=\"facts\">").Append(report.Correlation.ConversationsCompared).Append(" conversations compared across ").Append(path.Count).Append(" capture points.</p>\n");

        CorrelatedFlowReport[] stopped = [.. report.Correlation.Flows.Where(f => f.Verdict is not null).Take(5)];
        html.Append("<h2>Where packets stop appearing</h2>\n");
        if (stopped.Length == 0)
        {
            html.Append("<p>Every conversation compared appears at every capture point where it is expected.</p>\n");
        }

        foreach (CorrelatedFlowReport flow in stopped)
        {
            html.Append("<figure>\n<figcaption>").Append(E(flow.Protocol)).Append(' ').Append(E(flow.Client)).Append(" → ").Append(E(flow.Server))
                .Append(flow.MatchedByNat ? " <span class=\"code\">matched across NAT</span>" : string.Empty).Append("</figcaption>\n");
            PathSvg.Write(html, flow);
            html.Append("<p>").Append(E(flow.Verdict)).Append("</p>\n</figure>\n");
        }

        if (report.Correlation.Findings.Count > 0)
        {
            Findings(html, report.Correlation.Findings);
        }

        foreach (AnalysisReport capture in report.Captures)
        {
            html.Append("<h2>At ").Append(E(capture.Source.Name)).Append("</h2>\n")
                .Append("<div class=\"verdict sev-").Append(E(capture.Findings.Count > 0 ? capture.Findings[0].Severity : "info")).Append("\">").Append(E(capture.Verdict)).Append("</div>\n")
                .Append("<p class=\"facts\">").Append(Facts(capture)).Append("</p>\n");
            Findings(html, capture.Findings, heading: false);
        }

        html.Append("<p class=\"facts\">").Append(E(report.Generator)).Append("</p>\n</body>\n</html>\n");
        output.Write(html.ToString());
    }

    /// <summary>The picture of one conversation across capture points, with where it stops marked (for pages built around these reports).</summary>
    public static void WritePath(StringBuilder html, CorrelatedFlowReport flow) => PathSvg.Write(html, flow);

    private static void Findings(StringBuilder html, IReadOnlyList<FindingReport> findings, bool heading = true)
    {
        if (heading)
        {
            html.Append("<h2>Findings</h2>\n");
        }

        foreach (FindingReport finding in findings)
        {
            html.Append("<section class=\"finding sev-").Append(E(finding.Severity)).Append("\" data-code=\"").Append(E(finding.Code)).Append("\">\n")
                .Append("<div><span class=\"badge\">").Append(E(finding.Severity)).Append("</span><strong>").Append(E(finding.Title)).Append("</strong> <span class=\"code\">").Append(E(finding.Code)).Append("</span></div>\n")
                .Append("<p>").Append(E(finding.Explanation)).Append("</p>\n");
            if (finding.Explains.Count > 0)
            {
                html.Append("<p>Explains: ").Append(string.Join("; ", finding.Explains.Select(s => $"<span class=\"code\">{E(s.Code)}</span> {E(s.Title)}"))).Append("</p>\n");
            }

            html.Append("<div class=\"next\"><strong>Next step in Azure:</strong> ").Append(E(finding.NextStep)).Append("</div>\n");
            if (!string.IsNullOrEmpty(finding.WiresharkFilter))
            {
                html.Append("<p>Wireshark: <code class=\"filter\">").Append(E(finding.WiresharkFilter)).Append("</code></p>\n");
            }

            html.Append("</section>\n");
        }
    }

    private static void Ladders(StringBuilder html, IReadOnlyList<LadderDiagram> ladders)
    {
        if (ladders.Count == 0)
        {
            return;
        }

        html.Append("<h2>Failing flows, packet by packet</h2>\n");
        foreach (LadderDiagram ladder in ladders)
        {
            html.Append("<figure>\n<figcaption>").Append(E(ladder.Protocol)).Append(' ').Append(E(ladder.Client)).Append(" → ").Append(E(ladder.Server))
                .Append(" <span class=\"code\">").Append(E(ladder.Finding)).Append("</span></figcaption>\n");
            LadderSvg.Write(html, ladder);
            html.Append("</figure>\n");
        }
    }

    private static void Flows(StringBuilder html, AnalysisReport report)
    {
        if (report.Flows.Count == 0)
        {
            return;
        }

        html.Append("<h2>Flows</h2>\n<table>\n<tr><th>State</th><th>Protocol</th><th>Client</th><th>Server</th><th>Packets</th><th>Bytes</th><th>Retransmissions</th><th>History</th><th>Frames</th></tr>\n");
        foreach (FlowReport flow in report.Flows)
        {
            bool failed = Enum.TryParse(flow.State, out ConnectionState state) && state.IsFailure();
            html.Append(failed ? "<tr class=\"failed\">" : "<tr>")
                .Append("<td title=\"").Append(E(flow.StateDescription)).Append("\">").Append(E(flow.State)).Append("</td>")
                .Append("<td>").Append(E(flow.Protocol)).Append("</td>")
                .Append("<td>").Append(E($"{flow.Originator.Address}:{flow.Originator.Port}")).Append("</td>")
                .Append("<td>").Append(E($"{flow.Responder.Address}:{flow.Responder.Port}")).Append("</td>")
                .Append("<td>").Append(flow.OriginatorStats.Packets + flow.ResponderStats.Packets).Append("</td>")
                .Append("<td>").Append(flow.OriginatorStats.IpBytes + flow.ResponderStats.IpBytes).Append("</td>")
                .Append("<td>").Append(flow.OriginatorStats.Retransmissions + flow.ResponderStats.Retransmissions).Append("</td>")
                .Append("<td><code>").Append(E(flow.History)).Append("</code></td>")
                .Append("<td>").Append(flow.FirstPacket).Append('–').Append(flow.LastPacket).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
    }

    /// <summary>The head of a self-contained page: charset, the policy that forbids every fetch and script, the style.</summary>
    public static string Head(string title) =>
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "<title>" + E(title) + "</title>\n<style>" + Style + "</style>\n</head>\n<body>\n";
}

/// <summary>
/// Draws one conversation across the capture points in path order: a box per point, what it saw
/// from each side, and a red mark where packets stop appearing (the first point that misses them,
/// or that sees only one direction after a point that saw both).
/// </summary>
internal static class PathSvg
{
    private const int Box = 150;
    private const int Gap = 60;
    private const int Height = 130;

    public static void Write(StringBuilder svg, CorrelatedFlowReport flow)
    {
        int stop = StopIndex(flow.Hops);
        int width = 20 + (flow.Hops.Count * (Box + Gap));
        svg.Append(Invariant($"<svg class=\"path\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Height}\" viewBox=\"0 0 {width} {Height}\" role=\"img\" aria-label=\"path of {E(flow.Client)} to {E(flow.Server)}\" data-stop=\"{(stop < 0 ? string.Empty : E(flow.Hops[stop].Capture))}\">\n"));
        for (int i = 0; i < flow.Hops.Count; i++)
        {
            HopReport hop = flow.Hops[i];
            int x = 10 + (i * (Box + Gap));
            bool both = hop.Seen && hop.FromClient > 0 && hop.FromServer > 0;
            string fill = !hop.Seen ? "#ffebe9" : both ? "#dafbe1" : "#fff8c5";
            string stroke = i == stop ? "#cf222e" : "#8c959f";
            svg.Append(Invariant($"<g class=\"hop\" data-capture=\"{E(hop.Capture)}\" data-seen=\"{(hop.Seen ? "true" : "false")}\">"))
               .Append(Invariant($"<rect x=\"{x}\" y=\"30\" width=\"{Box}\" height=\"60\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{(i == stop ? 3 : 1)}\"/>"))
               .Append(Invariant($"<text x=\"{x + (Box / 2)}\" y=\"52\" text-anchor=\"middle\" font-weight=\"bold\">{E(Clip(hop.Capture))}</text>"))
               .Append(Invariant($"<text x=\"{x + (Box / 2)}\" y=\"72\" text-anchor=\"middle\">{(hop.Seen ? $"→ {hop.FromClient}  ← {hop.FromServer}" : "not seen")}</text></g>\n"));
            if (i + 1 < flow.Hops.Count)
            {
                int from = x + Box;
                int to = from + Gap;
                svg.Append(Invariant($"<line x1=\"{from + 4}\" y1=\"60\" x2=\"{to - 10}\" y2=\"60\" stroke=\"#57606a\" stroke-width=\"2\"/><polygon points=\"{to - 4},60 {to - 12},55 {to - 12},65\" fill=\"#57606a\"/>\n"));
            }

            if (i == stop)
            {
                svg.Append(Invariant($"<text class=\"stop\" x=\"{x + (Box / 2)}\" y=\"112\" text-anchor=\"middle\" fill=\"#cf222e\" font-weight=\"bold\">✕ packets stop here</text>\n"));
            }
        }

        svg.Append("</svg>\n");
    }

    /// <summary>The first point that misses the conversation, or sees only the client's side after a point that saw both; -1 when none.</summary>
    internal static int StopIndex(IReadOnlyList<HopReport> hops)
    {
        bool bothBefore = false;
        for (int i = 0; i < hops.Count; i++)
        {
            HopReport hop = hops[i];
            if (!hop.Seen || (bothBefore && hop.FromServer == 0))
            {
                return i;
            }

            bothBefore |= hop.FromClient > 0 && hop.FromServer > 0;
        }

        return -1;
    }

    private static string Clip(string name) => name.Length <= 22 ? name : name[..21] + "…";
}

/// <summary>Draws one ladder as inline SVG: the client's and the server's lines, an arrow per packet, frame and time on the left.</summary>
internal static class LadderSvg
{
    private const int Gutter = 150;
    private const int ClientX = Gutter + 30;
    private const int ServerX = 740;
    private const int Width = 830;
    private const int Top = 44;
    private const int Row = 26;

    public static void Write(StringBuilder svg, LadderDiagram ladder)
    {
        int height = Top + (ladder.Events.Count * Row) + (ladder.More > 0 ? Row : 0) + 10;
        svg.Append(Invariant($"<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"packets of {E(ladder.Client)} to {E(ladder.Server)}\" data-events=\"{ladder.Events.Count}\">\n"));
        svg.Append(Invariant($"<text x=\"{ClientX}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">{E(ladder.Client)}</text>"))
           .Append(Invariant($"<text x=\"{ServerX}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">{E(ladder.Server)}</text>"))
           .Append(Invariant($"<text x=\"4\" y=\"16\">frame   time (s)</text>\n"))
           .Append(Invariant($"<line x1=\"{ClientX}\" y1=\"24\" x2=\"{ClientX}\" y2=\"{height - 6}\" stroke=\"#8c959f\" stroke-width=\"2\"/>"))
           .Append(Invariant($"<line x1=\"{ServerX}\" y1=\"24\" x2=\"{ServerX}\" y2=\"{height - 6}\" stroke=\"#8c959f\" stroke-width=\"2\"/>\n"));
        int y = Top;
        foreach (LadderEvent e in ladder.Events)
        {
            string color = e.Kind switch
            {
                LadderEventKind.Handshake => "#1f6feb",
                LadderEventKind.Retransmission => "#bf8700",
                LadderEventKind.Reset => "#cf222e",
                LadderEventKind.IcmpError => "#8250df",
                LadderEventKind.Close => "#6e7781",
                _ => "#57606a",
            };
            (int from, int to) = e.FromClient ? (ClientX, ServerX) : (ServerX, ClientX);
            int tip = e.FromClient ? to - 8 : to + 8;
            string dash = e.Kind == LadderEventKind.IcmpError ? " stroke-dasharray=\"6 3\"" : string.Empty;
            svg.Append(Invariant($"<g class=\"event\" data-frame=\"{e.Frame}\" data-kind=\"{e.Kind}\">"))
               .Append(Invariant($"<text x=\"4\" y=\"{y + 4}\">#{e.Frame}</text><text x=\"64\" y=\"{y + 4}\">{e.Seconds:0.000000}</text>"))
               .Append(Invariant($"<line x1=\"{from}\" y1=\"{y}\" x2=\"{tip}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>"))
               .Append(Invariant($"<polygon points=\"{to},{y} {tip},{y - 5} {tip},{y + 5}\" fill=\"{color}\"/>"))
               .Append(Invariant($"<text x=\"{(ClientX + ServerX) / 2}\" y=\"{y - 5}\" text-anchor=\"middle\" fill=\"{color}\">{E(e.Label)}</text></g>\n"));
            y += Row;
        }

        if (ladder.More > 0)
        {
            svg.Append(Invariant($"<text x=\"{(ClientX + ServerX) / 2}\" y=\"{y}\" text-anchor=\"middle\">… {ladder.More} more packets of this flow (see the evidence capture)</text>\n"));
        }

        svg.Append("</svg>\n");
    }
}

/// <summary>Text into the page: encoded as HTML, numbers written the invariant way.</summary>
internal static class HtmlText
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
