using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>Slow service: long handshake round trips, or a server slow to send its first response byte.</summary>
public sealed class SlowResponseDetector : IDetector, IFlowObserver
{
    /// <summary>Inside one Azure region handshakes take about a millisecond; across continents ~150 ms.</summary>
    private static readonly long SlowHandshakeNs = (long)TimeSpan.FromMilliseconds(200).TotalNanoseconds;

    private static readonly long SlowFirstByteNs = (long)TimeSpan.FromSeconds(1).TotalNanoseconds;
    private const int Reported = 3;

    /// <summary>Bulk transfers (≥ 1 MB one way, ≥ 1 s) slower than a tenth of the median bulk transfer are outliers.</summary>
    private const long BulkBytes = 1_000_000;
    private static readonly long BulkNanoseconds = (long)TimeSpan.FromSeconds(1).TotalNanoseconds;
    private const int MinimumBulkFlows = 5;
    private const int MaxBulkSamples = 10_000;
    private readonly List<double> _bulkThroughputs = [];
    private readonly TopFlows _slowestBulk = new(Reported);

    private readonly TopFlows _slowHandshake = new(Reported);
    private readonly TopFlows _slowFirstByte = new(Reported);
    private long _slowHandshakes;
    private long _slowFirstBytes;

    public void OnFlowFinished(Flow flow)
    {
        if (!flow.IsTcp)
        {
            return;
        }

        if (flow.HandshakeNanoseconds >= SlowHandshakeNs)
        {
            _slowHandshakes++;
            _slowHandshake.Offer(flow, flow.HandshakeNanoseconds);
        }

        long bulk = Math.Max(flow.Originator.PayloadBytes, flow.Responder.PayloadBytes);
        if (bulk >= BulkBytes && flow.DurationNanoseconds >= BulkNanoseconds && _bulkThroughputs.Count < MaxBulkSamples)
        {
            double bytesPerSecond = bulk / (flow.DurationNanoseconds / 1e9);
            _bulkThroughputs.Add(bytesPerSecond);
            _slowestBulk.Offer(flow, -bytesPerSecond);
        }

        long firstByte = TimeToFirstByte(flow);
        if (firstByte >= SlowFirstByteNs)
        {
            _slowFirstBytes++;
            _slowFirstByte.Offer(flow, firstByte);
        }
    }

    /// <summary>From the client's first data to the server's first data; -1 when either is missing.</summary>
    internal static long TimeToFirstByte(Flow flow)
    {
        long request = flow.Originator.FirstPayloadNanoseconds;
        long response = flow.Responder.FirstPayloadNanoseconds;
        return request > 0 && response > request ? response - request : -1;
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        if (analysis.Capture.InvalidTimestamps > 0)
        {
            yield break; // timings from out-of-range timestamp fields would be fiction
        }

        foreach ((Flow flow, double ns) in _slowHandshake.Descending())
        {
            double ms = ns / 1e6;
            double toServer = flow.SynToSynAckNanoseconds / 1e6;
            double toClient = flow.SynAckToAckNanoseconds / 1e6;
            string side = toServer > toClient * 3 ? $"most of it ({toServer:0.#} ms) between this capture point and the server"
                : toClient > toServer * 3 ? $"most of it ({toClient:0.#} ms) between this capture point and the client"
                : "split evenly between both sides";
            yield return Slow(flow, $"TCP handshake with {FlowText.Server(flow)} took {ms:0.#} ms", ms,
                $"The three-way handshake took {ms:0.#} ms — {side}. Within one Azure region it normally takes about a millisecond; a long handshake means distance, a congested link or an overloaded device in the path."
                + (_slowHandshakes > 1 ? $" {_slowHandshakes} connections were this slow." : string.Empty),
                "Check where the endpoints are (region, on-premises over VPN/ExpressRoute) with Network Watcher connection troubleshoot (it reports per-hop latency); look at NVA / firewall load and VPN tunnel bandwidth.",
                "handshakeMs", flow.FirstPacketNumber);
        }

        foreach (Finding outlier in ThroughputOutliers())
        {
            yield return outlier;
        }

        foreach ((Flow flow, double ns) in _slowFirstByte.Descending())
        {
            double seconds = ns / 1e9;
            yield return Slow(flow, $"{FlowText.Server(flow)} took {FlowText.Seconds(seconds)} to answer a request", seconds * 1000,
                $"After the client sent its request, the server needed {FlowText.Seconds(seconds)} to send the first byte of its answer, while the network round trip was "
                + (flow.HandshakeNanoseconds > 0 ? $"{flow.HandshakeNanoseconds / 1e6:0.#} ms" : "short")
                + ". The time is spent in the server application, not in the network."
                + (_slowFirstBytes > 1 ? $" {_slowFirstBytes} requests were this slow." : string.Empty),
                "Investigate the application on the server (its logs and dependencies such as a database), and the VM's CPU, memory and disk metrics at that time.",
                "timeToFirstByteMs", flow.FirstPacketNumber);
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
