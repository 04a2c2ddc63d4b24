using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Engine.Replay;

/// <summary>How a workflow stands after replaying its history and the new events.</summary>
public enum ReplayState
{
    /// <summary>Waiting for activities, timers, events or sub-workflows.</summary>
    Waiting,
    Completed,
    Failed,
    ContinuedAsNew,
}

/// <summary>The result of one replay: new commands to carry out, and the workflow's state.</summary>
public sealed record ReplayOutcome(
    ReplayState State,
    IReadOnlyList<WorkflowCommand> NewCommands,
    string? SerializedOutput,
    WorkflowFailureDetails? Failure,
    string? ContinueAsNewInput,
    IReadOnlyList<EventRaised> CarriedOverEvents,
    string? CustomStatus,
    bool CustomStatusChanged);

/// <summary>The workflow's code no longer matches its recorded history (a deployment changed it mid-flight).</summary>
public sealed class NonDeterministicWorkflowException : Exception
{
    public NonDeterministicWorkflowException()
    {
    }

    public NonDeterministicWorkflowException(string message)
        : base(message)
    {
    }

    public NonDeterministicWorkflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
