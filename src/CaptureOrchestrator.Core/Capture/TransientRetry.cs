using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Capture;

/// <summary>
/// The one retry rule for steps that talk to Azure or a webhook: back off (doubling) and try again,
/// except after a <see cref="PermanentFailureException"/>, where trying again cannot help.
/// </summary>
public static class TransientRetry
{
    public static WorkflowTaskOptions Options(int maxAttempts, TimeSpan firstRetryInterval, TimeSpan? maxRetryInterval = null) =>
        WorkflowTaskOptions.WithRetry(new RetryPolicy(
            maxAttempts, firstRetryInterval, backoffCoefficient: 2, maxRetryInterval,
            handle: failure => !failure.IsCausedBy<PermanentFailureException>()));
}
