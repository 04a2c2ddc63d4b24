using CaptureOrchestrator.Core.Workflows;
using Microsoft.DurableTask;

namespace CaptureOrchestrator.Functions.Durable;

/// <summary>Durable Task's failure details as the port's.</summary>
internal static class DurableFailures
{
    public static WorkflowFailureDetails Map(TaskFailureDetails? failure) =>
        failure is null
            ? new WorkflowFailureDetails(typeof(Exception).FullName!, "the task failed without details")
            : new WorkflowFailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, failure.InnerFailure is { } inner ? Map(inner) : null);
}
