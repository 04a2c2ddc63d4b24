using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Core.Workflows;

/// <summary>
/// What a workflow may do — the port both hosts implement. It mirrors Durable Task's
/// <c>TaskOrchestrationContext</c> member for member, so the Azure Functions adapter is one line
/// per member, and the embedded engine implements it by event-sourced replay.
/// </summary>
/// <remarks>
/// The rules of Durable apply to code written against it: no I/O, clocks, random numbers,
/// threads or environment reads in a workflow — only this context. Everything else happens in
/// activities.
/// </remarks>
public interface IWorkflowContext
{
    /// <summary>Name of the running workflow.</summary>
    string Name { get; }

    /// <summary>The instance id (chosen by the caller for idempotency, or generated).</summary>
    string InstanceId { get; }

    /// <summary>Replay-stable current time (UTC): the same value every time this point is replayed.</summary>
    DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the workflow re-executes steps already recorded in its history.</summary>
    bool IsReplaying { get; }

    /// <summary>The workflow's input, deserialized.</summary>
    T? GetInput<T>();

    /// <summary>Runs an activity (once its result is recorded, replays return the recorded result).</summary>
    /// <exception cref="WorkflowTaskFailedException">The activity failed (after its retries).</exception>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null);

    /// <inheritdoc cref="CallActivityAsync{TResult}(string, object?, WorkflowTaskOptions?)"/>
    Task CallActivityAsync(string name, object? input = null, WorkflowTaskOptions? options = null);

    /// <summary>A durable timer: survives restarts; cancelling the token removes it.</summary>
    Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>Waits for an event raised by a client (events raised earlier are buffered).</summary>
    Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>Runs another workflow as a child with its own instance id and history.</summary>
    Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null);

    /// <summary>A serializable value shown by status queries (phase, progress).</summary>
    void SetCustomStatus(object? customStatus);

    /// <summary>A GUID that is the same on every replay of this point.</summary>
    Guid NewGuid();

    /// <summary>Restarts the workflow with new input and an empty history (long-running loops).</summary>
    void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

    /// <summary>A logger that stays silent while replaying.</summary>
    ILogger CreateReplaySafeLogger(string categoryName);
}

/// <summary>Helpers every host gets for free, built only on the port.</summary>
public static class WorkflowContextExtensions
{
    /// <summary>A durable timer that fires after <paramref name="delay"/>.</summary>
    public static Task CreateTimer(this IWorkflowContext context, TimeSpan delay, CancellationToken cancellationToken) =>
        context.CreateTimer(context.CurrentUtcDateTime.Add(delay), cancellationToken);

    /// <summary>
    /// Waits for an event, or throws <see cref="TimeoutException"/> after <paramref name="timeout"/>
    /// (a durable timer, as Durable Task implements it; the loser is cancelled).
    /// </summary>
    public static async Task<T> WaitForExternalEvent<T>(this IWorkflowContext context, string eventName, TimeSpan timeout)
    {
        using var timerCancellation = new CancellationTokenSource();
        using var eventCancellation = new CancellationTokenSource();
        Task timer = context.CreateTimer(timeout, timerCancellation.Token);
        Task<T> received = context.WaitForExternalEvent<T>(eventName, eventCancellation.Token);
        Task winner = await Task.WhenAny(timer, received).ConfigureAwait(true);

        // Cancel synchronously: CancelAsync would run the callbacks on the thread pool, outside
        // the host's deterministic scheduling of workflow code.
#pragma warning disable CA1849
        if (winner == received)
        {
            timerCancellation.Cancel();
            return await received.ConfigureAwait(true);
        }

        eventCancellation.Cancel();
#pragma warning restore CA1849
        throw new TimeoutException($"event '{eventName}' did not arrive within {timeout}");
    }
}
