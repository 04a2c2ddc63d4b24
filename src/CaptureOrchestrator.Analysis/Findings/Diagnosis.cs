using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Findings.Detectors;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>What a capture shows: the analysis, the ranked findings and the verdict that leads the report.</summary>
public sealed class DiagnosisResult
{
    internal DiagnosisResult(CaptureAnalysis analysis, IReadOnlyList<Finding> findings, DnsStatistics dns, TlsStatistics tls)
    {
        Analysis = analysis;
        Findings = findings;
        Dns = dns;
        Tls = tls;
        Verdict = findings.Count > 0 ? findings[0].Verdict : "No IP traffic was captured.";
        Contradictions = ReportConsistency.Check(this);
    }

    /// <summary>
    /// Rules of <see cref="ReportConsistency"/> this result breaks (empty when it is consistent).
    /// Tests assert it is empty; the activity and the CLI log any entry, because a report that
    /// contradicts itself is a defect of the analysis, not of the capture.
    /// </summary>
    public IReadOnlyList<string> Contradictions { get; }

    public CaptureAnalysis Analysis { get; }

    /// <summary>Most important first: severity, then how much traffic it affects.</summary>
    public IReadOnlyList<Finding> Findings { get; }

    /// <summary>One sentence: the most important finding, or why the capture looks healthy.</summary>
    public string Verdict { get; }

    public DnsStatistics Dns { get; }

    public TlsStatistics Tls { get; }
}

/// <summary>
/// Runs the analysis engine with the whole diagnosis catalogue attached — still one streaming
/// pass — and turns the detectors' findings into a ranked list with a verdict.
/// </summary>
public static class Diagnosis
{
    /// <summary>Findings kept in a report; the lowest ranked beyond this are dropped.</summary>
    public const int MaxFindings = 100;

    public static DiagnosisResult Run(Stream capture, DiagnosisContext? context = null, CaptureAnalysisOptions? options = null, IProgress<CaptureProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(capture, [], context, options, progress, cancellationToken);

    /// <param name="capture">The capture stream (read forward only).</param>
    /// <param name="additionalObservers">More flow observers for the same pass (e.g. a <see cref="Correlation.FlowIndex"/>).</param>
    /// <param name="context">What the caller knows about the capture point.</param>
    /// <param name="options">Engine limits.</param>
    /// <param name="progress">Receives bytes read.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    public static DiagnosisResult Run(Stream capture, IEnumerable<IFlowObserver> additionalObservers, DiagnosisContext? context = null, CaptureAnalysisOptions? options = null, IProgress<CaptureProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        context ??= new DiagnosisContext();
        var dns = new DnsDetector();
        var tls = new TlsDetector();
        IDetector[] detectors =
        [
            new TcpConnectionDetector(), new IcmpUnreachableDetector(), new AsymmetryDetector(), new RetransmissionDetector(),
            new MtuDetector(), new FragmentDetector(), dns, tls, new IpsecDetector(), new SnatExhaustionDetector(),
            new SlowResponseDetector(), new CaptureQualityDetector(),
        ];

        var analyzer = new CaptureAnalyzer(options);
        foreach (IDetector detector in detectors)
        {
            if (detector is IFlowObserver flowObserver)
            {
                analyzer.AddObserver(flowObserver);
            }

            if (detector is IPacketObserver packetObserver)
            {
                analyzer.AddPacketObserver(packetObserver);
            }
        }

        foreach (IFlowObserver observer in additionalObservers)
        {
            analyzer.AddObserver(observer);
        }

        CaptureAnalysis analysis = analyzer.Analyze(capture, progress, cancellationToken);
        List<Finding> findings = Causality.Apply(detectors.SelectMany(d => d.Conclude(analysis, context)).ToList());
        if (!findings.Any(f => f.Severity >= FindingSeverity.Warning))
        {
            // Nothing wrong was found. Before saying so, every failed flow the report lists must be
            // covered by a finding or explained: a report never calls a capture healthy while its
            // own flow table shows failures nobody accounted for.
            var accounting = FailedFlowAccounting.Of(analysis, findings);
            findings.Add(analysis.Capture.IpPackets == 0 ? Empty(analysis)
                : accounting.Unexplained > 0 ? Unexplained(accounting)
                : Healthy(analysis, dns.Statistics, tls.Statistics, accounting));
        }

        List<Finding> ranked = findings
            .OrderByDescending(f => f.Severity)
            .ThenByDescending(LeadsItsSeverity)
            .ThenByDescending(f => f.Weight)
            .ThenBy(f => f.FirstNanoseconds)
            .Take(MaxFindings)
            .ToList();
        return new DiagnosisResult(analysis, ranked, dns.Statistics, tls.Statistics);
    }

    /// <summary>
    /// Findings that come first among those of their severity: statements about the whole report
    /// (healthy, empty), and damage to the capture — a capture with parts missing or cut is read
    /// with that in mind, so it comes before any other warning drawn from it.
    /// </summary>
    private static bool LeadsItsSeverity(Finding finding) => finding.Code is FindingCodes.Healthy or FindingCodes.CaptureEmpty
        or FindingCodes.CaptureDamaged or FindingCodes.CaptureSnapLengthTooShort;

    private static Finding Unexplained(FailedFlowAccounting accounting)
    {
        string states = string.Join(", ", accounting.UnexplainedStates.OrderByDescending(p => p.Value).Select(p => $"{p.Value} {p.Key}"));
        string examples = string.Join(", ", accounting.UnexplainedExamples.Select(f => $"{FlowText.Client(f)} → {FlowText.Server(f)}"));
        Flow? first = accounting.UnexplainedExamples.Count > 0 ? accounting.UnexplainedExamples[0] : null;
        return new Finding
        {
            Code = FindingCodes.FailedFlowsUnexplained,
            Severity = FindingSeverity.Warning,
            Title = $"{FlowText.Count(accounting.Unexplained, "flow failed", "flows failed")} without a specific diagnosis ({states})",
            Verdict = $"No known problem pattern matched, but {FlowText.Count(accounting.Unexplained, "conversation", "conversations")} failed ({states}): "
                + "the capture is not healthy; look at those flows first.",
            Explanation = $"The flow table lists failed conversations that none of the diagnoses covers, for example {examples}. "
                + "They may be harmless (a scanner, a client that gave up) or the problem itself in a form the analysis has no rule for.",
            NextStep = "Open the capture in Wireshark with the filter below and read these conversations; capture at the other end too to see whether the packets arrive there.",
            WiresharkFilter = first is null ? "tcp.flags.reset==1 || tcp.analysis.flags" : Reporting.WiresharkFilters.ForFlow(first),
            Flow = first is null ? null : FlowText.Reference(first),
            FlowCount = accounting.Unexplained,
            Packets = accounting.UnexplainedExamples.Select(f => f.FirstPacketNumber).Distinct().ToList(),
            FirstNanoseconds = first?.FirstNanoseconds ?? 0,
            LastNanoseconds = first?.LastNanoseconds ?? 0,
            EvidenceFlows = accounting.UnexplainedExamples.Select(f => new EvidenceFlow(f.Key, f.FirstPacketNumber, f.LastPacketNumber)).ToList(),
            Facts = new Dictionary<string, double> { ["failedFlows"] = accounting.Failed, ["unexplainedFlows"] = accounting.Unexplained },
            Weight = accounting.Unexplained,
        };
    }

    private static Finding Healthy(CaptureAnalysis analysis, DnsStatistics dns, TlsStatistics tls, FailedFlowAccounting accounting)
    {
        FlowCollector flows = analysis.Flows;
        long established = flows.TcpStates.Where(p => !p.Key.IsFailure() && p.Key != ConnectionState.OTH).Sum(p => p.Value);
        var evidence = new List<string> { FlowText.Count(flows.Flows, "flow", "flows") };
        if (flows.TcpFlows > 0)
        {
            evidence.Add($"{FlowText.Count(flows.TcpFlows, "TCP connection", "TCP connections")} ({established} with a complete handshake, "
                + (flows.FailedTcpConnections == 0 ? "none failed" : $"{flows.FailedTcpConnections} ended without one") + "), "
                + $"{FlowText.Count(analysis.Capture.TcpResetPackets, "reset", "resets")}, {FlowText.Count(flows.Retransmissions, "retransmission", "retransmissions")}");
        }

        foreach ((string reason, long count) in accounting.Benign.OrderByDescending(p => p.Value))
        {
            evidence.Add($"{count} × {reason}");
        }
        if (dns.Queries > 0)
        {
            evidence.Add($"{FlowText.Count(dns.Queries, "DNS query", "DNS queries")}, {dns.Responses} answered without error");
        }

        if (tls.ClientHellos > 0)
        {
            evidence.Add($"{FlowText.Count(tls.ClientHellos, "TLS handshake", "TLS handshakes")} without alerts");
        }

        return new Finding
        {
            Code = FindingCodes.Healthy,
            Severity = FindingSeverity.Info,
            Title = "No network problem found: " + string.Join("; ", evidence),
            Verdict = "The captured traffic looks healthy: connections complete, nothing is reset, nothing is lost.",
            Explanation = "Every conversation in the capture behaves normally: " + string.Join("; ", evidence) + ". If the problem persists, it is probably not in the network path this capture saw "
                + "(capture at the other end or during a failure, or look at the application).",
            NextStep = "Make sure the capture covered a failing attempt (time window, filter, the right VM or gateway instance). If it did, look at the application layer: logs, HTTP status codes, authentication.",
            WiresharkFilter = "tcp.analysis.flags || tcp.flags.reset==1 || icmp.type==3",
            FlowCount = flows.Flows,
            FirstNanoseconds = analysis.Capture.FirstNanoseconds,
            LastNanoseconds = analysis.Capture.LastNanoseconds,
            Facts = new Dictionary<string, double>
            {
                ["tcpConnections"] = flows.TcpFlows,
                ["completedHandshakes"] = established,
                ["resets"] = analysis.Capture.TcpResetPackets,
                ["retransmissions"] = flows.Retransmissions,
                ["dnsQueries"] = dns.Queries,
                ["failedFlows"] = accounting.Failed,
                ["failedFlowsExplained"] = accounting.Explained,
            },
        };
    }

    private static Finding Empty(CaptureAnalysis analysis) => new()
    {
        Code = FindingCodes.CaptureEmpty,
        Severity = FindingSeverity.Info,
        Title = $"No IP traffic in the capture ({FlowText.Count(analysis.Capture.Packets, "packet", "packets")})",
        Verdict = "The capture holds no IP traffic, so it cannot show where packets are lost.",
        Explanation = "Nothing the engine can analyse was captured: no packets at all, or only non-IP frames (ARP, LLDP, ...).",
        NextStep = "Check the capture filter (local/remote IP and ports), that the capture ran while the problem happened, and on the right VM or gateway instance.",
        WiresharkFilter = "frame",
    };
}
