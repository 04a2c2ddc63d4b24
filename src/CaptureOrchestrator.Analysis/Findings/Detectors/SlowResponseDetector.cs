using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Slow service, judged against the capture's own baseline rather than a fixed figure: a round
/// trip of 200 ms is normal across an ocean and alarming inside a region, and only the capture
/// knows which one it is looking at.
/// <list type="bullet">
/// <item>Handshakes: slow when far above the usual handshake with the same server (≥ 3× its median
/// and ≥ 100 ms more, over ≥ 5 handshakes), or over a second (no path on Earth takes that).</item>
/// <item>Server time: from the request to the first byte of the answer, minus the network round
/// trip to the server; slow from a second.</item>
/// <item>Bulk transfers: a tenth of the capture's median bulk throughput.</item>
/// </list>
/// </summary>
public sealed class SlowResponseDetector : IDetector, IFlowObserver
{
    /// <summary>Handshakes with one server needed before its median is a baseline.</summary>
    private const int MinimumBaseline = 5;
    private const double OutlierFactor = 3;
    private static readonly long OutlierMarginNs = (long)TimeSpan.FromMilliseconds(100).TotalNanoseconds;

    /// <summary>Longer than any terrestrial or satellite round trip: slow without a baseline.</summary>
    private static readonly long AlwaysSlowHandshakeNs = (long)TimeSpan.FromSeconds(1).TotalNanoseconds;

    private static readonly long SlowServerTimeNs = (long)TimeSpan.FromSeconds(1).TotalNanoseconds;
    private const int Reported = 3;
    private const int MaxServers = 4096;
    private const int MaxSamplesPerServer = 1000;

    /// <summary>Bulk transfers (≥ 1 MB one way, ≥ 1 s) slower than a tenth of the median bulk transfer are outliers.</summary>
    private const long BulkBytes = 1_000_000;
    private static readonly long BulkNanoseconds = (long)TimeSpan.FromSeconds(1).TotalNanoseconds;
    private const int MinimumBulkFlows = 5;
    private const int MaxBulkSamples = 10_000;
    private readonly List<double> _bulkThroughputs = [];
    private readonly TopFlows _slowestBulk = new(Reported);

    private readonly Dictionary<Decoding.NetAddress, ServerHandshakes> _handshakes = [];
    private readonly TopFlows _slowServerTime = new(Reported);
    private long _slowServerTimes;

    public void OnFlowFinished(Flow flow)
    {
        if (!flow.IsTcp)
        {
            return;
        }

        if (flow.HandshakeNanoseconds > 0)
        {
            if (_handshakes.TryGetValue(flow.ResponderAddress, out ServerHandshakes? server) || _handshakes.Count < MaxServers)
            {
                server ??= _handshakes[flow.ResponderAddress] = new ServerHandshakes();
                server.Add(flow);
            }
        }

        long bulk = Math.Max(flow.Originator.PayloadBytes, flow.Responder.PayloadBytes);
        if (bulk >= BulkBytes && flow.DurationNanoseconds >= BulkNanoseconds && _bulkThroughputs.Count < MaxBulkSamples)
        {
            double bytesPerSecond = bulk / (flow.DurationNanoseconds / 1e9);
            _bulkThroughputs.Add(bytesPerSecond);
            _slowestBulk.Offer(flow, -bytesPerSecond);
        }

        long serverTime = ServerTime(flow);
        if (serverTime >= SlowServerTimeNs)
        {
            _slowServerTimes++;
            _slowServerTime.Offer(flow, serverTime);
        }
    }

    /// <summary>From the client's first data to the server's first data; -1 when either is missing.</summary>
    internal static long TimeToFirstByte(Flow flow)
    {
        long request = flow.Originator.FirstPayloadNanoseconds;
        long response = flow.Responder.FirstPayloadNanoseconds;
        return request > 0 && response > request ? response - request : -1;
    }

    /// <summary>
    /// Time the server spent on the request: time to first byte minus the round trip between the
    /// capture point and the server (SYN to SYN-ACK). Captured at the client that round trip is the
    /// whole network path; captured at the server it is close to zero. -1 when not measurable.
    /// </summary>
    internal static long ServerTime(Flow flow)
    {
        long firstByte = TimeToFirstByte(flow);
        return firstByte < 0 ? -1 : Math.Max(0, firstByte - Math.Max(0, flow.SynToSynAckNanoseconds));
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        if (analysis.Capture.InvalidTimestamps > 0)
        {
            yield break; // timings from out-of-range timestamp fields would be fiction
        }

        foreach (Finding slow in SlowHandshakes())
        {
            yield return slow;
        }

        foreach (Finding outlier in ThroughputOutliers())
        {
            yield return outlier;
        }

        foreach ((Flow flow, double ns) in _slowServerTime.Descending())
        {
            double seconds = ns / 1e9;
            double network = Math.Max(0, flow.SynToSynAckNanoseconds) / 1e6;
            yield return Slow(flow, $"{FlowText.Server(flow)} took {FlowText.Seconds(seconds)} to answer a request", seconds * 1000,
                $"After the client sent its request, the server needed {FlowText.Seconds(seconds)} to send the first byte of its answer, not counting the network round trip "
                + (flow.SynToSynAckNanoseconds > 0 ? $"of {network:0.#} ms" : "(too short to measure)")
                + ". The time is spent in the server application, not in the network."
                + (_slowServerTimes > 1 ? $" {_slowServerTimes} requests were this slow." : string.Empty),
                "Investigate the application on the server (its logs and dependencies such as a database), and the VM's CPU, memory and disk metrics at that time.",
                "serverTimeMs", flow.FirstPacketNumber) with
            {
                Facts = new Dictionary<string, double>
                {
                    ["serverTimeMs"] = Math.Round(seconds * 1000, 3),
                    ["timeToFirstByteMs"] = Math.Round(TimeToFirstByte(flow) / 1e6, 3),
                    ["networkRttMs"] = Math.Round(network, 3),
                },
            };
        }
    }

    /// <summary>Handshakes far above the usual one with the same server, or over a second; the worst few, with how many there were.</summary>
    private IEnumerable<Finding> SlowHandshakes()
    {
        var slow = new List<(Flow Flow, long Rtt, long Baseline, int Samples)>();
        foreach (ServerHandshakes server in _handshakes.Values)
        {
            long median = server.Samples.Count >= MinimumBaseline ? Median(server.Samples) : -1;
            foreach ((Flow flow, double rtt) in server.Slowest.Descending())
            {
                bool outlier = median >= 0 && rtt >= Math.Max(median * OutlierFactor, median + OutlierMarginNs);
                if (outlier || rtt >= AlwaysSlowHandshakeNs)
                {
                    slow.Add((flow, (long)rtt, median, server.Samples.Count));
                }
            }
        }

        foreach ((Flow flow, long rtt, long baseline, int samples) in slow.OrderByDescending(s => s.Rtt - Math.Max(0, s.Baseline)).Take(Reported))
        {
            double ms = rtt / 1e6;
            double toServer = flow.SynToSynAckNanoseconds / 1e6;
            double toClient = flow.SynAckToAckNanoseconds / 1e6;
            string side = toServer > toClient * 3 ? $"most of it ({toServer:0.#} ms) between this capture point and the server"
                : toClient > toServer * 3 ? $"most of it ({toClient:0.#} ms) between this capture point and the client"
                : "split evenly between both sides";
            string against = baseline >= 0
                ? $"against a median of {baseline / 1e6:0.#} ms over the {samples} handshakes with this server in the capture"
                : "longer than any network path needs (even a satellite hop takes about 600 ms)";
            Finding finding = Slow(flow, $"TCP handshake with {FlowText.Server(flow)} took {ms:0.#} ms ({(baseline >= 0 ? $"usually {baseline / 1e6:0.#} ms" : "over a second")})", ms,
                $"The three-way handshake took {ms:0.#} ms — {side} — {against}. The path is the same, so the extra time was spent waiting: "
                + "a congested link or queue, an overloaded firewall, NVA or load balancer, or a server whose listen queue was full.",
                "Compare the time of the slow handshakes with NVA / Azure Firewall load and the server's CPU at that moment; Network Watcher connection troubleshoot reports per-hop latency now. "
                + "A SYN-ACK that is late at the server itself means its accept queue (backlog) is full.",
                "handshakeMs", flow.FirstPacketNumber);
            var facts = new Dictionary<string, double>(finding.Facts) { ["handshakes"] = samples };
            if (baseline >= 0)
            {
                facts["medianHandshakeMs"] = Math.Round(baseline / 1e6, 3);
            }

            yield return finding with { Facts = facts };
        }
    }

    private static long Median(List<long> samples)
    {
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    /// <summary>Handshake times with one server (a bounded sample) and its slowest few connections.</summary>
    private sealed class ServerHandshakes
    {
        public List<long> Samples { get; } = [];

        public TopFlows Slowest { get; } = new(Reported);

        public void Add(Flow flow)
        {
            if (Samples.Count < MaxSamplesPerServer)
            {
                Samples.Add(flow.HandshakeNanoseconds);
            }

            Slowest.Offer(flow, flow.HandshakeNanoseconds);
        }
    }

    private IEnumerable<Finding> ThroughputOutliers()
    {
        if (_bulkThroughputs.Count < MinimumBulkFlows)
        {
            yield break;
        }

        _bulkThroughputs.Sort();
        double median = _bulkThroughputs[_bulkThroughputs.Count / 2];
        foreach ((Flow flow, double negative) in _slowestBulk.Descending())
        {
            double throughput = -negative;
            if (throughput >= median / 10)
            {
                continue;
            }

            yield return Slow(flow, $"Transfer {FlowText.Client(flow)} ↔ {FlowText.Server(flow)} ran at {throughput / 1e3:0} kB/s, a tenth of the median bulk transfer ({median / 1e3:0} kB/s)",
                flow.DurationNanoseconds / 1e6,
                $"Among the {_bulkThroughputs.Count} bulk transfers in this capture the median moved {median / 1e3:0} kB/s; this one managed {throughput / 1e3:0} kB/s. "
                + "Check its own findings (retransmissions, zero window) — a single slow flow usually has a local cause: a different path, a loaded server, or a small receive window.",
                "Compare the path of this flow with the fast ones (Network Watcher next hop and connection troubleshoot from the source VM), and the load of the server it talks to.",
                "durationMs", flow.FirstPacketNumber);
        }
    }

    private static Finding Slow(Flow flow, string title, double milliseconds, string explanation, string nextStep, string fact, long packet) => FlowText.Describe(flow, packet, new Finding
    {
        Code = FindingCodes.SlowResponse,
        Severity = FindingSeverity.Warning,
        Title = title,
        Verdict = $"The service is slow: {title}.",
        Explanation = explanation,
        NextStep = nextStep,
        WiresharkFilter = TcpConnectionDetector.WiresharkFilter(flow),
        Facts = new Dictionary<string, double> { [fact] = Math.Round(milliseconds, 3) },
        Weight = milliseconds,
    });
}
