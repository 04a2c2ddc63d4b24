using System.Globalization;
using System.Text.Json;

namespace CaptureOrchestrator.Analysis.Reporting;

public enum ReportFormat
{
    Text,
    Json,
    Markdown,

    /// <summary>One self-contained page with ladder diagrams (<see cref="Html.HtmlReportWriter"/>).</summary>
    Html,
}

/// <summary>Writes a report in one of the supported formats.</summary>
public static class ReportWriter
{
    public static void Write(AnalysisReport report, ReportFormat format, TextWriter output) => Write(report, format, output, []);

    /// <param name="report">The report.</param>
    /// <param name="format">The format.</param>
    /// <param name="output">Where to write.</param>
    /// <param name="ladders">The failing flows packet by packet (<see cref="Html.LadderCollector"/>), drawn by the HTML format.</param>
    public static void Write(AnalysisReport report, ReportFormat format, TextWriter output, IReadOnlyList<Html.LadderDiagram> ladders)
    {
        switch (format)
        {
            case ReportFormat.Html:
                Html.HtmlReportWriter.Write(report, ladders, output);
                break;
            case ReportFormat.Json:
                output.Write(JsonSerializer.Serialize(report, ReportJsonContext.Default.AnalysisReport));
                output.WriteLine();
                break;
            case ReportFormat.Markdown:
                MarkdownReportWriter.Write(report, output);
                break;
            default:
                TextReportWriter.Write(report, output);
                break;
        }
    }

    public static void Write(MultiCaptureReport report, ReportFormat format, TextWriter output)
    {
        if (format == ReportFormat.Html)
        {
            Html.HtmlReportWriter.Write(report, output);
            return;
        }

        if (format == ReportFormat.Json)
        {
            output.Write(JsonSerializer.Serialize(report, MultiCaptureJsonContext.Default.MultiCaptureReport));
            output.WriteLine();
            return;
        }

        bool markdown = format == ReportFormat.Markdown;
        output.WriteLine(markdown ? $"# Correlated captures: {string.Join(" → ", report.Correlation.Path)}" : $"Path        {string.Join(" -> ", report.Correlation.Path)}");
        output.WriteLine();
        output.WriteLine(markdown ? $"**Verdict:** {report.Verdict}" : $"Verdict     {report.Verdict}");
        output.WriteLine();
        output.WriteLine(markdown ? "## Where packets stop appearing" : "Where packets stop appearing");
        output.WriteLine();
        if (report.Correlation.Flows.All(f => f.Verdict is null))
        {
            output.WriteLine($"Every one of the {report.Correlation.ConversationsCompared} conversations compared appears at every capture point where it is expected.");
        }

        foreach (CorrelatedFlowReport flow in report.Correlation.Flows.Where(f => f.Verdict is not null).Take(20))
        {
            string hops = string.Join(", ", flow.Hops.Select(h => h.Seen ? $"{h.Capture}: {h.FromClient} from client / {h.FromServer} from server" : $"{h.Capture}: absent"));
            output.WriteLine(markdown ? $"- {flow.Verdict} ({hops})" : $"  - {flow.Verdict}\n      {hops}");
        }

        foreach (AnalysisReport capture in report.Captures)
        {
            output.WriteLine();
            output.WriteLine(markdown ? string.Empty : new string('=', 79));
            Write(capture, format, output);
        }
    }

    /// <summary>
    /// Findings a person reads in full. A ticket is read from the top: past about ten findings the
    /// rest is summarised by kind ("N more"), and JSON keeps every one.
    /// </summary>
    internal const int ShownFindings = 10;

    /// <summary>The findings beyond <see cref="ShownFindings"/>, grouped by code: "12 × TCP_SYN_UNANSWERED (error; e.g. …)".</summary>
    internal static IEnumerable<(string Code, string Severity, int Count, string Example)> MoreFindings(IReadOnlyList<FindingReport> findings) =>
        findings.Skip(ShownFindings)
            .GroupBy(f => f.Code)
            .Select(g => (g.Key, g.First().Severity, g.Count(), g.First().Title))
            .OrderByDescending(g => g.Item3);

    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Endpoint(EndpointReport endpoint) =>
        endpoint.Address.Contains(':', StringComparison.Ordinal) ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>Human-readable console output.</summary>
internal static class TextReportWriter
{
    public static void Write(AnalysisReport report, TextWriter o)
    {
        CaptureFacts c = report.Capture;
        if (report.Source.Notice is { } notice)
        {
            o.WriteLine($"Notice      {notice}");
        }

        o.WriteLine($"Verdict     {report.Verdict}");
        o.WriteLine();
        foreach (FindingReport finding in report.Findings.Take(ReportWriter.ShownFindings))
        {
            o.WriteLine($"{finding.Rank,2}. [{finding.Severity.ToUpperInvariant()}] {finding.Code}: {finding.Title}");
            foreach (SymptomReport symptom in finding.Explains)
            {
                o.WriteLine($"    explains: {symptom.Code}: {symptom.Title}");
            }

            o.WriteLine($"    next step: {finding.NextStep}");
            o.WriteLine($"    wireshark: {finding.WiresharkFilter}");
        }

        if (report.Findings.Count > ReportWriter.ShownFindings)
        {
            o.WriteLine($"    {report.Findings.Count - ReportWriter.ShownFindings} more (all in --format json):");
            foreach ((string code, string severity, int count, string example) in ReportWriter.MoreFindings(report.Findings))
            {
                o.WriteLine($"      {count} × [{severity.ToUpperInvariant()}] {code}, e.g. {example}");
            }
        }

        o.WriteLine();
        o.WriteLine($"Capture     {report.Source.Name} ({c.Format}, {c.FormatDetail})");
        o.WriteLine($"Link types  {string.Join(", ", c.LinkTypes)}");
        o.WriteLine($"Packets     {ReportWriter.Count(c.PacketCount)} ({ReportWriter.Bytes(c.BytesOnWire)} on the wire, {ReportWriter.Bytes(c.BytesCaptured)} captured)");
        if (c.FirstTimestamp is not null)
        {
            o.WriteLine($"Time        {c.FirstTimestamp} .. {c.LastTimestamp} ({c.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s)");
        }

        if (c.TruncatedPackets > 0)
        {
            o.WriteLine($"Truncated   {ReportWriter.Count(c.TruncatedPackets)} packets cut by the snap length");
        }

        if (c.ReadError is { } error)
        {
            o.WriteLine($"DAMAGED     reading stopped at byte {error.Offset}: {error.Message}");
        }

        if (c.MalformedPackets > 0)
        {
            o.WriteLine($"Malformed   {ReportWriter.Count(c.MalformedPackets)} packets ({string.Join(", ", c.MalformedByReason.Select(p => $"{p.Key} {p.Value}"))})");
            foreach (MalformedPacketReport m in c.MalformedExamples.Take(5))
            {
                o.WriteLine($"            #{m.PacketNumber}: {m.Detail}");
            }
        }

        if (c.Timestamps.OutOfOrder > 0 || c.Timestamps.Invalid > 0)
        {
            o.WriteLine($"Timestamps  {c.Timestamps.OutOfOrder} out of order, {c.Timestamps.Invalid} invalid");
        }

        FragmentFacts f = c.Fragments;
        if (f.FragmentFrames > 0)
        {
            o.WriteLine($"Fragments   {f.FragmentFrames} frames, {f.Datagrams} datagrams ({f.Reassembled} reassembled, {f.Incomplete} incomplete, {f.OutOfOrder} out of order, {f.Overlapping} overlapping)");
        }

        FlowSummaryReport s = report.FlowSummary;
        o.WriteLine();
        o.WriteLine($"Flows       {ReportWriter.Count(s.Total)} (TCP {ReportWriter.Count(s.Tcp)}, UDP {ReportWriter.Count(s.Udp)}, ICMP {ReportWriter.Count(s.Icmp)}, other {ReportWriter.Count(s.Other)})");
        if (s.Tcp > 0)
        {
            o.WriteLine($"TCP states  {string.Join(", ", s.TcpStates.Select(p => $"{p.Key} {p.Value}"))}; {s.FailedTcpConnections} failed");
            o.WriteLine($"TCP events  {s.Retransmissions} retransmissions, {s.OutOfOrder} out of order, {s.DuplicateAcks} duplicate ACKs, {s.ZeroWindows} zero windows"
                + (s.DuplicateFrames > 0 ? $", {s.DuplicateFrames} frames captured twice" : string.Empty));
        }

        if (report.Flows.Count == 0)
        {
            return;
        }

        o.WriteLine();
        o.WriteLine($"{"#",-6} {"proto",-6} {"originator",-42} {"responder",-42} {"state",-7} {"history",-12} {"pkts",8} {"bytes",10} {"retx",5} {"rtt ms",8}");
        foreach (FlowReport flow in report.Flows)
        {
            string rtt = flow.HandshakeRttMs?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";
            long packets = flow.OriginatorStats.Packets + flow.ResponderStats.Packets;
            long bytes = flow.OriginatorStats.IpBytes + flow.ResponderStats.IpBytes;
            long retx = flow.OriginatorStats.Retransmissions + flow.ResponderStats.Retransmissions;
            o.WriteLine($"{flow.Id,-6} {flow.Protocol,-6} {ReportWriter.Endpoint(flow.Originator),-42} {ReportWriter.Endpoint(flow.Responder),-42} {flow.State,-7} {Clip(flow.History, 12),-12} {packets,8} {ReportWriter.Bytes(bytes),10} {retx,5} {rtt,8}");
        }

        if (s.Total > report.Flows.Count)
        {
            o.WriteLine($"({report.Flows.Count} of {ReportWriter.Count(s.Total)} flows shown: failed first, then the largest)");
        }
    }

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}

/// <summary>Markdown for tickets: verdict, findings, failing flows, capture facts.</summary>
internal static class MarkdownReportWriter
{
    public static void Write(AnalysisReport report, TextWriter o)
    {
        CaptureFacts c = report.Capture;
        FlowSummaryReport s = report.FlowSummary;
        o.WriteLine($"# Capture analysis: {Escape(report.Source.Name)}");
        o.WriteLine();
        if (report.Source.Notice is { } notice)
        {
            o.WriteLine($"> **{Escape(notice)}**");
            o.WriteLine();
        }

        o.WriteLine($"**Verdict:** {Escape(report.Verdict)}");
        o.WriteLine();
        if (report.Findings.Count > 0)
        {
            o.WriteLine("## Findings");
            o.WriteLine();
            o.WriteLine("| # | severity | code | finding | packets |");
            o.WriteLine("|---|---|---|---|---|");
            foreach (FindingReport f in report.Findings.Take(ReportWriter.ShownFindings))
            {
                o.WriteLine($"| {f.Rank} | {f.Severity} | `{f.Code}` | {Escape(f.Title)} | {string.Join(", ", f.Evidence.Packets.Take(5))} |");
            }

            if (report.Findings.Count > ReportWriter.ShownFindings)
            {
                o.WriteLine();
                o.WriteLine($"**{report.Findings.Count - ReportWriter.ShownFindings} more** (all in report.json):");
                o.WriteLine();
                foreach ((string code, string severity, int count, string example) in ReportWriter.MoreFindings(report.Findings))
                {
                    o.WriteLine($"- {count} × {severity} `{code}`, e.g. {Escape(example)}");
                }
            }

            o.WriteLine();
            foreach (FindingReport f in report.Findings.Take(ReportWriter.ShownFindings).Where(f => f.Severity != "info" || f.Code == "HEALTHY"))
            {
                o.WriteLine($"### {f.Rank}. {Escape(f.Title)}");
                o.WriteLine();
                o.WriteLine(Escape(f.Explanation));
                o.WriteLine();
                if (f.Evidence.Flow is { } flow)
                {
                    o.WriteLine($"- **Flow:** {flow.Protocol} {flow.Client} → {flow.Server}" + (f.Evidence.FlowCount > 1 ? $" (and {f.Evidence.FlowCount - 1} more)" : string.Empty));
                }

                if (f.Evidence.FirstTimestamp is not null)
                {
                    o.WriteLine($"- **When:** {f.Evidence.FirstTimestamp} .. {f.Evidence.LastTimestamp}");
                }

                if (f.Evidence.Facts.Count > 0)
                {
                    o.WriteLine($"- **Evidence:** {string.Join(", ", f.Evidence.Facts.Select(p => $"{p.Key} {p.Value.ToString("0.###", CultureInfo.InvariantCulture)}"))}");
                }

                foreach (SymptomReport symptom in f.Explains)
                {
                    o.WriteLine($"- **Explains:** `{symptom.Code}` {Escape(symptom.Title)}");
                }

                o.WriteLine($"- **Wireshark:** `{f.WiresharkFilter.Replace("`", "'", StringComparison.Ordinal)}`");
                o.WriteLine($"- **Next step:** {Escape(f.NextStep)}");
                o.WriteLine();
            }
        }

        if (report.Flows.Count > 0)
        {
            o.WriteLine("## Flows (failed first)");
            o.WriteLine();
            o.WriteLine("| # | proto | originator | responder | state | history | packets | retrans | handshake RTT |");
            o.WriteLine("|---|---|---|---|---|---|---|---|---|");
            foreach (FlowReport flow in report.Flows.Take(25))
            {
                string rtt = flow.HandshakeRttMs is { } ms ? $"{ms.ToString("0.###", CultureInfo.InvariantCulture)} ms" : "-";
                o.WriteLine($"| {flow.Id} | {flow.Protocol} | {ReportWriter.Endpoint(flow.Originator)} | {ReportWriter.Endpoint(flow.Responder)} | {flow.State} ({flow.StateDescription}) | `{flow.History}` | {flow.OriginatorStats.Packets + flow.ResponderStats.Packets} | {flow.OriginatorStats.Retransmissions + flow.ResponderStats.Retransmissions} | {rtt} |");
            }

            o.WriteLine();
        }

        o.WriteLine("## Capture");
        o.WriteLine();
        o.WriteLine("| fact | value |");
        o.WriteLine("|---|---|");
        o.WriteLine($"| format | {c.Format} ({Escape(c.FormatDetail)}) |");
        o.WriteLine($"| link types | {string.Join(", ", c.LinkTypes)} |");
        o.WriteLine($"| packets | {ReportWriter.Count(c.PacketCount)} |");
        o.WriteLine($"| time | {c.FirstTimestamp ?? "-"} .. {c.LastTimestamp ?? "-"} |");
        o.WriteLine($"| truncated packets | {ReportWriter.Count(c.TruncatedPackets)} |");
        o.WriteLine($"| malformed packets | {ReportWriter.Count(c.MalformedPackets)} |");
        if (c.ReadError is { } error)
        {
            o.WriteLine($"| **damaged** | reading stopped at byte {error.Offset}: {Escape(error.Message)} |");
        }

        o.WriteLine($"| flows | {ReportWriter.Count(s.Total)} (TCP {s.Tcp}, UDP {s.Udp}, ICMP {s.Icmp}, other {s.Other}) |");
        o.WriteLine($"| failed TCP connections | {s.FailedTcpConnections} |");
        o.WriteLine($"| retransmissions | {s.Retransmissions} |");
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
