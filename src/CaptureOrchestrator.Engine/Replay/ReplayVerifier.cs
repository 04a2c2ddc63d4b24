using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Engine.Replay;

/// <summary>
/// The replay check every shipped workflow gets: replay a recorded history from the start and
/// require the same outcome and no new commands. Catches non-determinism (clocks, random numbers,
/// I/O in workflow code) before it reaches Durable Functions.
/// </summary>
public static class ReplayVerifier
{
    /// <exception cref="NonDeterministicWorkflowException">The replay diverges from the recorded run.</exception>
    public static ReplayOutcome Verify(IWorkflow workflow, string instanceId, IReadOnlyList<HistoryEvent> recordedHistory, WorkflowMetadata recorded)
    {
        ReplayOutcome replayed = WorkflowReplayer.Replay(workflow, instanceId, recordedHistory, []);
        if (replayed.NewCommands.Count > 0)
        {
            throw new NonDeterministicWorkflowException(
                $"replaying {recorded.Name} ({instanceId}) asked for {replayed.NewCommands.Count} step(s) the recorded run never took, first: {replayed.NewCommands[0]}");
        }

        ReplayState expected = recorded.RuntimeStatus switch
        {
            WorkflowRuntimeStatus.Completed => ReplayState.Completed,
            WorkflowRuntimeStatus.Failed => ReplayState.Failed,
            _ => ReplayState.Waiting,
        };
        if (replayed.State != expected || (expected == ReplayState.Completed && replayed.SerializedOutput != recorded.SerializedOutput))
        {
            throw new NonDeterministicWorkflowException(
                $"replaying {recorded.Name} ({instanceId}) ended {replayed.State} with output {replayed.SerializedOutput ?? "none"}; the recorded run ended {recorded.RuntimeStatus} with {recorded.SerializedOutput ?? "none"}");
        }

        return replayed;
    }
}
