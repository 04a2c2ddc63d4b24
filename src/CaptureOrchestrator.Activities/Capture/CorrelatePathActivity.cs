using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Correlation;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>
/// The captures of a path operation's targets, read again and matched conversation by conversation
/// (also across NAT) with the engine's correlator, in the order the request gave: which
/// conversations stop appearing, and between which capture points.
/// </summary>
internal sealed class CorrelatePathActivity(CaptureServices services) : Activity<CorrelatePathInput, PathVerdict>
{
    /// <summary>Conversations kept per capture point; beyond it the oldest are matched and the rest dropped (counted).</summary>
    private const int FlowsPerPoint = 200_000;

    private const int LostFlowsShown = 5;

    public override async Task<PathVerdict> RunAsync(WorkflowActivityContext context, CorrelatePathInput input, CancellationToken cancellationToken)
    {
        // 1. Each point's conversations, from all its files (a firewall writes one per instance).
        var sightings = new List<CorrelationInput>(input.Points.Count);
        foreach (PathPoint point in input.Points)
        {
            var index = new FlowIndex(FlowsPerPoint);
            foreach (CaptureFile file in point.Files.Where(f => f.Length > 0))
            {
                (StoreContainer container, string blobName) = services.Blobs.Locate(file.BlobUrl);
                await using Stream capture = await AzureErrors.Classify("open the capture file", () => container.OpenReadAsync(blobName, cancellationToken)).ConfigureAwait(false);
                try
                {
                    Diagnosis.Run(capture, [index], cancellationToken: cancellationToken);
                }
                catch (CaptureFormatException ex)
                {
                    throw new PermanentFailureException($"{point.Name}: {blobName} is not a readable capture: {ex.Reason}", ex);
                }
            }

            sightings.Add(new CorrelationInput(point.Name, index.Flows));
        }

        // 2. Matched along the path; the correlator's own findings say where packets stop.
        IReadOnlyList<CorrelatedFlow> flows = CaptureCorrelator.Correlate(sightings);
        string[] names = [.. input.Points.Select(p => p.Name)];
        Finding? lead = CaptureCorrelator.Findings(flows, names).OrderByDescending(f => f.Weight).FirstOrDefault();
        CorrelatedFlow[] lost = [.. flows.Where(f => f.Verdict is not null)];
        string verdict = lead?.Verdict
            ?? lost.FirstOrDefault()?.Verdict
            ?? $"Every conversation compared ({flows.Count}) appears at every capture point from {names[0]} to {names[^1]} where it is expected: the path carries the traffic; each target's findings say what else is wrong.";
        string? stopsAt = lost.FirstOrDefault() is { LostBetween: int after } && after + 1 < names.Length ? names[after + 1] : null;
        return new PathVerdict(verdict, names, stopsAt, flows.Count, [.. lost.Take(LostFlowsShown).Select(f => new PathFlow(
            f.Protocol, f.Client, f.Server, f.MatchedByNat, f.Verdict!,
            [.. f.Hops.Select((h, i) => new PathHop(names[i], h is not null, h?.FromClient ?? 0, h?.FromServer ?? 0))]))]);
    }
}
