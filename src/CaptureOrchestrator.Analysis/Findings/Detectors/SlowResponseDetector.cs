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
