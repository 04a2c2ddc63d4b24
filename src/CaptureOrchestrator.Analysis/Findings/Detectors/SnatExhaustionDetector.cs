using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// SNAT port exhaustion signature: one source address opening many connections to one
/// destination, a large share of them failing, each on a new source port.
/// </summary>
public sealed class SnatExhaustionDetector : IDetector, IFlowObserver
{
    private const int MinimumConnections = 50;
    private const int MinimumFailures = 20;
    private const double MinimumFailureShare = 0.2;
    private const int MaxTracked = 10_000;

    private readonly Dictionary<(NetAddress Source, NetAddress Destination, ushort Port), Counter> _pairs = [];

    public void OnFlowFinished(Flow flow)
    {
        if (!flow.IsTcp || !flow.Originator.SynSeen)
        {
            return;
        }

        var key = (flow.OriginatorAddress, flow.ResponderAddress, flow.ResponderPort);
        if (!_pairs.TryGetValue(key, out Counter? counter))
        {
            if (_pairs.Count >= MaxTracked)
            {
                return;
            }

            _pairs[key] = counter = new Counter();
        }

        counter.Group.Add(flow, flow.FirstPacketNumber);
        ConnectionState state = flow.State;
        if (state is ConnectionState.S0 or ConnectionState.REJ or ConnectionState.RSTOS0)
        {
            counter.Failures++;
        }

        counter.SourcePorts.Add(flow.OriginatorPort);
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        foreach (((NetAddress source, NetAddress destination, ushort port), Counter c) in _pairs)
        {
            long total = c.Group.Count;
            if (total < MinimumConnections || c.Failures < MinimumFailures || (double)c.Failures / total < MinimumFailureShare)
            {
                continue;
            }

            double seconds = (c.Group.LastNanoseconds - c.Group.FirstNanoseconds) / 1e9;
            string target = FlowText.Endpoint(destination, port);
            yield return c.Group.Describe(new Finding
            {
                Code = FindingCodes.SnatExhaustionSuspected,
                Severity = FindingSeverity.Error,
                Title = $"{source} opened {total} connections to {target} in {FlowText.Seconds(seconds)}; {c.Failures} failed",
                Verdict = $"{source} opens connections to {target} faster than they complete and many fail: the signature of SNAT port exhaustion.",
                Explanation = $"{source} used {c.SourcePorts.Count} different source ports for {total} connections to the same destination, and {c.Failures} of them never got an answer or were refused. "
                    + "Outbound connections through Azure Load Balancer outbound rules or default outbound access share a limited number of SNAT ports per destination; "
                    + "when they run out, new connections fail until old ones time out.",
                NextStep = "Check the Load Balancer 'SNAT Connection Count' and 'Used SNAT Ports' metrics (or NAT gateway 'SNAT Connection Count' / dropped packets). "
                    + "Reuse connections (HTTP keep-alive, connection pooling), use a NAT gateway (64,512 ports per public IP), allocate more outbound ports per backend instance, or use Private Link to reach the service.",
                WiresharkFilter = $"{FlowText.AddressField(source)}.src=={source} && {FlowText.AddressField(destination)}.dst=={destination} && tcp.dstport=={port} && tcp.flags.syn==1 && tcp.flags.ack==0",
                FlowCount = total,
                Facts = new Dictionary<string, double>
                {
                    ["connections"] = total,
                    ["failed"] = c.Failures,
                    ["distinctSourcePorts"] = c.SourcePorts.Count,
                    ["seconds"] = Math.Round(seconds, 3),
                },
                Weight = c.Failures,
            });
        }
    }

    private sealed class Counter
    {
        public FlowGroup Group { get; } = new();

        public HashSet<ushort> SourcePorts { get; } = [];

        public long Failures { get; set; }
    }
}
