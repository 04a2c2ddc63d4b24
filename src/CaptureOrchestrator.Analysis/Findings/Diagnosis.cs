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
    }

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
        var findings = detectors.SelectMany(d => d.Conclude(analysis, context)).ToList();
        if (!findings.Any(f => f.Severity >= FindingSeverity.Warning))
        {
            findings.Add(analysis.Capture.IpPackets == 0 ? Empty(analysis) : Healthy(analysis, dns.Statistics, tls.Statistics));
        }

        List<Finding> ranked = findings
            .OrderByDescending(f => f.Severity)
            .ThenByDescending(f => f.Code == FindingCodes.Healthy || f.Code == FindingCodes.CaptureEmpty)
            .ThenByDescending(f => f.Weight)
            .ThenBy(f => f.FirstNanoseconds)
            .Take(MaxFindings)
            .ToList();
        return new DiagnosisResult(analysis, ranked, dns.Statistics, tls.Statistics);
    }

    private static Finding Healthy(CaptureAnalysis analysis, DnsStatistics dns, TlsStatistics tls)
    {
        FlowCollector flows = analysis.Flows;
        long established = flows.TcpStates.Where(p => !p.Key.IsFailure() && p.Key != ConnectionState.OTH).Sum(p => p.Value);
        var evidence = new List<string> { FlowText.Count(flows.Flows, "flow", "flows") };
        if (flows.TcpFlows > 0)
        {
            evidence.Add($"{FlowText.Count(flows.TcpFlows, "TCP connection", "TCP connections")} ({established} with a complete handshake, none failed), "
                + $"{FlowText.Count(analysis.Capture.TcpResetPackets, "reset", "resets")}, {FlowText.Count(flows.Retransmissions, "retransmission", "retransmissions")}");
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
