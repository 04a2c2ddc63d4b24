using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Capture;

/// <summary>Keeps the workflow's custom status (phase and per-target state) current for status queries.</summary>
internal sealed class ProgressBoard
{
    private readonly IWorkflowContext _context;
    private readonly TargetProgress[] _targets;
    private string _phase = "Starting";

    public ProgressBoard(IWorkflowContext context, IReadOnlyList<CaptureTarget> targets)
    {
        _context = context;
        _targets = targets.Select(t => new TargetProgress(t.Index, t.ResourceId.ToString(), TargetState.Pending, null)).ToArray();
        Publish();
    }

    public void Phase(string phase)
    {
        _phase = phase;
        Publish();
    }

    public void Target(int index, TargetState state, string? detail = null)
    {
        _targets[index] = _targets[index] with { State = state, Detail = detail };
        Publish();
    }

    private void Publish() => _context.SetCustomStatus(new CaptureProgress(_phase, _targets.ToArray()));
}
