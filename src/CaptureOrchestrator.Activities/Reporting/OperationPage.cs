using System.Globalization;
using System.Net;
using System.Text;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Reporting.Html;
using CaptureOrchestrator.Core.Capture;

namespace CaptureOrchestrator.Activities.Reporting;

/// <summary>
/// The operation's page: the ticket, how it ended, and per target its verdict and findings, each
/// linking the target's own page (the engine's report with its ladder diagrams). Self-contained,
/// as the target pages are.
/// </summary>
internal static class OperationPage
{
    /// <param name="input">The outcome.</param>
    /// <param name="targetPages">Each target's own page (read links), by target index.</param>
    /// <param name="notice">The deployment's simulation notice, a banner under the title when set.</param>
    public static string Write(PublishReportInput input, IReadOnlyDictionary<int, string> targetPages, string? notice = null)
    {
        string ticket = input.Operation.Ticket.ToString();
        var html = new StringBuilder(HtmlReportWriter.Head($"Capture {input.Status} — {ticket}"))
            .Append("<h1>Capture ").Append(E(input.Status.ToString())).Append(": ").Append(E(ticket)).Append("</h1>\n")
            .Append(notice is null ? string.Empty : $"<div class=\"notice\" id=\"notice\">{E(notice)}</div>\n")
            .Append("<p class=\"facts\">Operation <code>").Append(E(input.Operation.OperationId)).Append("</code>, ")
            .Append(input.Operation.DurationSeconds.ToString(CultureInfo.InvariantCulture)).Append(" s capture window, ")
            .Append(input.Targets.Count.ToString(CultureInfo.InvariantCulture)).Append(" target(s).</p>\n")
            .Append(input.Operation.Alert is { } alert ? $"<p class=\"facts\" id=\"alert\">{E(alert.Describe())}</p>\n" : string.Empty);
        if (input.Path is { } path)
        {
            Path(html, path);
        }

        foreach (TargetOutcome target in input.Targets)
        {
            string name = target.ResourceId[(target.ResourceId.LastIndexOf('/') + 1)..];
            FindingSeverity lead = target.Analysis?.Findings.Count > 0 ? target.Analysis.Findings[0].Severity : FindingSeverity.Info;
            html.Append("<h2>").Append(E(name)).Append(" <span class=\"code\">").Append(E(target.Kind.ToString())).Append(" — ").Append(E(target.State.ToString())).Append("</span></h2>\n")
                .Append("<p class=\"code\">").Append(E(target.ResourceId)).Append("</p>\n");
            if (target.Analysis is { } analysis)
            {
                html.Append("<div class=\"verdict sev-").Append(lead.Name()).Append("\">").Append(E(analysis.Verdict)).Append("</div>\n");
                foreach (FindingSummary finding in analysis.Findings)
                {
                    html.Append("<div class=\"finding sev-").Append(finding.Severity.Name()).Append("\"><span class=\"badge\">").Append(finding.Severity.Name())
                        .Append("</span><strong>").Append(E(finding.Title)).Append("</strong> <span class=\"code\">").Append(E(finding.Code)).Append("</span></div>\n");
                }

                html.Append("<p class=\"facts\">").Append(analysis.Packets.ToString("N0", CultureInfo.InvariantCulture)).Append(" packets, ")
                    .Append(analysis.Flows.ToString("N0", CultureInfo.InvariantCulture)).Append(" flows.");
                if (targetPages.TryGetValue(target.Index, out string? page))
                {
                    html.Append(" <a href=\"").Append(E(page)).Append("\">Full report with the failing flows packet by packet</a>");
                }

                html.Append("</p>\n");
            }

            if (target.Problem is not null)
            {
                html.Append("<div class=\"verdict sev-error\">").Append(E(target.Problem)).Append("</div>\n");
            }

            foreach (string note in target.Notes)
            {
                html.Append("<p class=\"facts\">Note: ").Append(E(note)).Append("</p>\n");
            }
        }

        return html.Append("</body>\n</html>\n").ToString();
    }

    /// <summary>A path operation leads with where packets stop, drawn as the CLI draws it for several captures.</summary>
    private static void Path(StringBuilder html, PathVerdict path)
    {
        html.Append("<h2>Path ").Append(E(string.Join(" → ", path.Points))).Append("</h2>\n")
            .Append("<div class=\"verdict sev-").Append(path.Flows.Count > 0 ? "error" : "info").Append("\" id=\"path-verdict\">").Append(E(path.Verdict)).Append("</div>\n")
            .Append("<p class=\"facts\">").Append(path.ConversationsCompared.ToString(CultureInfo.InvariantCulture)).Append(" conversations compared.</p>\n");
        foreach (PathFlow flow in path.Flows)
        {
            html.Append("<figure>\n<figcaption>").Append(E(flow.Protocol)).Append(' ').Append(E(flow.Client)).Append(" → ").Append(E(flow.Server)).Append("</figcaption>\n");
            HtmlReportWriter.WritePath(html, new CorrelatedFlowReport(flow.Protocol, flow.Client, flow.Server, flow.MatchedByNat, flow.Verdict,
                [.. flow.Hops.Select(h => new HopReport(h.Point, h.Seen, h.FromClient, h.FromServer, null))]));
            html.Append("</figure>\n");
        }
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
