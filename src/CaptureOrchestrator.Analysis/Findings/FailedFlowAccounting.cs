using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>
/// Every failed flow a report lists must be accounted for before the report may call the capture
/// healthy: a finding covers it (the finding's evidence names the flow), or a benign reason the
/// report states explains it. What is left is unexplained, and a report with unexplained failures
/// is not healthy.
/// </summary>
internal sealed class FailedFlowAccounting
{
    private const int MaxExamples = 5;
    private readonly Dictionary<string, long> _benign = [];
    private readonly Dictionary<string, long> _unexplainedStates = [];
    private readonly List<Flow> _examples = [];

    /// <summary>Failed flows in the capture (failed TCP connections and unanswered UDP requests).</summary>
    public long Failed { get; private set; }

    public long Covered { get; private set; }

    public long Unexplained { get; private set; }

    public long Explained => Covered + _benign.Values.Sum();

    /// <summary>Benign reasons with how many failed flows each explains.</summary>
    public IReadOnlyDictionary<string, long> Benign => _benign;

    /// <summary>Unexplained flows by state description ("attempt, no reply": 3).</summary>
    public IReadOnlyDictionary<string, long> UnexplainedStates => _unexplainedStates;

    public IReadOnlyList<Flow> UnexplainedExamples => _examples;

    public static FailedFlowAccounting Of(CaptureAnalysis analysis, IEnumerable<Finding> findings)
    {
        var covered = new HashSet<FlowKey>(findings.SelectMany(f => f.EvidenceFlows).Select(e => e.Key));
        var coveredOriginators = new HashSet<Decoding.NetAddress>(findings.SelectMany(f => f.CoversOriginators));
        var accounting = new FailedFlowAccounting { Failed = analysis.Flows.FailedFlows };
        long seen = 0;
        foreach (Flow flow in analysis.Flows.KeptFailedFlows)
        {
            seen++;
            if (covered.Contains(flow.Key) || coveredOriginators.Contains(flow.OriginatorAddress))
            {
                accounting.Covered++;
            }
            else if (BenignReason(flow, analysis.Capture) is { } reason)
            {
                accounting._benign[reason] = accounting._benign.GetValueOrDefault(reason) + 1;
            }
            else
            {
                accounting.AddUnexplained(flow);
            }
        }

        // Failed flows beyond what the collector keeps cannot be checked one by one: they count as unexplained.
        accounting.Unexplained += Math.Max(0, accounting.Failed - seen);
        return accounting;
    }

    /// <summary>Why a failed flow is not a problem, in words the report shows; null when it may be one.</summary>
    private static string? BenignReason(Flow flow, CaptureStatistics capture)
    {
        if (!flow.IsTcp)
        {
            return null;
        }

        ConnectionState state = flow.State;
        if (state == ConnectionState.S0 && CaptureEdges.SynCutOffAtEnd(flow, capture.LastNanoseconds))
        {
            return "SYN sent in the last seconds of the capture (its answer came after the capture stopped)";
        }

        if (CaptureEdges.BeganBeforeCapture(flow, capture) && state is ConnectionState.SHR or ConnectionState.RSTRH or ConnectionState.SH)
        {
            return "conversation that began before the capture started (only its end was captured)";
        }

        if (state is ConnectionState.RSTO or ConnectionState.RSTR && flow.Originator.PayloadBytes + flow.Responder.PayloadBytes == 0)
        {
            return "connection opened and reset before any data (port checks, load-balancer health probes)";
        }

        return null;
    }

    private void AddUnexplained(Flow flow)
    {
        Unexplained++;
        string state = flow.IsTcp ? flow.State.Describe() : "UDP request, no reply";
        _unexplainedStates[state] = _unexplainedStates.GetValueOrDefault(state) + 1;
        if (_examples.Count < MaxExamples)
        {
            _examples.Add(flow);
        }
    }
}
