using CaptureOrchestrator.Core.Workflows;
using Microsoft.DurableTask;

namespace CaptureOrchestrator.Functions.Durable;

/// <summary>
/// Runs the port's <see cref="CaptureOrchestrator.Core.Workflows.RetryPolicy"/> on Durable Task:
/// the retry handler asks the policy for the delay (null = give up) and waits on a durable timer,
/// so which failures are retried, and when, is the same code on both hosts.
/// </summary>
internal static class DurableRetry
{
    public static TaskOptions? From(WorkflowTaskOptions? options)
    {
        if (options?.Retry is not { } policy)
        {
            return null;
        }

        return TaskOptions.FromRetryHandler(async (RetryContext retry) =>
        {
            TimeSpan? delay = policy.DelayBefore(retry.LastAttemptNumber + 1, Map(retry.LastFailure));
            if (delay is null)
            {
                return false;
            }

            await retry.OrchestrationContext.CreateTimer(delay.Value, retry.CancellationToken).ConfigureAwait(true);
            return true;
        });
    }

    public static WorkflowFailureDetails Map(TaskFailureDetails? failure) =>
        failure is null
            ? new WorkflowFailureDetails(typeof(Exception).FullName!, "the task failed without details")
            : new WorkflowFailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, failure.InnerFailure is { } inner ? Map(inner) : null);
}
