namespace CaptureOrchestrator.Core.Workflows;

/// <summary>Options for an activity or sub-workflow call (mirrors Durable Task's TaskOptions).</summary>
public sealed record WorkflowTaskOptions(RetryPolicy? Retry = null)
{
    public static WorkflowTaskOptions WithRetry(RetryPolicy retry) => new(retry);
}

/// <summary>
/// Retries of a failed activity or sub-workflow (mirrors Durable Task's RetryPolicy): up to
/// <see cref="MaxAttempts"/> attempts, waiting <see cref="FirstRetryInterval"/> × coefficient^(n-1),
/// capped at <see cref="MaxRetryInterval"/>, for failures <see cref="Handle"/> accepts.
/// </summary>
public sealed record RetryPolicy
{
    public RetryPolicy(int maxAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0, TimeSpan? maxRetryInterval = null, Func<WorkflowFailureDetails, bool>? handle = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(firstRetryInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(backoffCoefficient, 1.0);
        MaxAttempts = maxAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        Handle = handle ?? (_ => true);
    }

    public int MaxAttempts { get; }

    public TimeSpan FirstRetryInterval { get; }

    public double BackoffCoefficient { get; }

    public TimeSpan MaxRetryInterval { get; }

    /// <summary>Which failures are retried (default: all).</summary>
    public Func<WorkflowFailureDetails, bool> Handle { get; }

    /// <summary>
    /// The wait before attempt <paramref name="nextAttempt"/> (2 = first retry), or null when no
    /// retry is allowed for <paramref name="failure"/>.
    /// </summary>
    public TimeSpan? DelayBefore(int nextAttempt, WorkflowFailureDetails failure)
    {
        if (nextAttempt < 2 || nextAttempt > MaxAttempts || !Handle(failure))
        {
            return null;
        }

        double factor = Math.Pow(BackoffCoefficient, nextAttempt - 2);
        double milliseconds = Math.Min(FirstRetryInterval.TotalMilliseconds * factor, MaxRetryInterval.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(milliseconds);
    }
}
