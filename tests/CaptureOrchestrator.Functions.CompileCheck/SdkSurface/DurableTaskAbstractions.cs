// Mirror of the Microsoft.DurableTask.Abstractions members the adapter calls, as declared in
// microsoft/durabletask-dotnet src/Abstractions (TaskName.cs, TaskOptions.cs, RetryHandler.cs,
// TaskFailedException.cs, TaskFailureDetails.cs, TaskOrchestrationContext.cs, AsyncPageable.cs).
// Signatures only: see the project file for what this does and does not prove.
#pragma warning disable CA1815, CA1032, CA1064, CA2225, CA1030, CA1003, CA1716, CA1068, CA1063, CA1816
using Microsoft.Extensions.Logging;

namespace Microsoft.DurableTask;

public readonly struct TaskName
{
    public TaskName(string name) => Name = name;

    public string Name { get; }

    public static implicit operator TaskName(string name) => new(name);
}

public delegate bool RetryHandler(RetryContext retryContext);

public delegate Task<bool> AsyncRetryHandler(RetryContext retryContext);

public record RetryContext(
    TaskOrchestrationContext OrchestrationContext,
    int LastAttemptNumber,
    TaskFailureDetails LastFailure,
    TimeSpan TotalRetryTime,
    CancellationToken CancellationToken);

public sealed class TaskRetryOptions
{
    public TaskRetryOptions(AsyncRetryHandler handler) => Handler = handler;

    public AsyncRetryHandler? Handler { get; }

    public static implicit operator TaskRetryOptions(AsyncRetryHandler handler) => new(handler);
}

public record TaskOptions
{
    public TaskOptions(TaskRetryOptions? retry) => Retry = retry;

    public TaskOptions(TaskRetryOptions? retry = null, IDictionary<string, string>? tags = null) => (Retry, Tags) = (retry, tags);

    public TaskOptions(TaskOptions options) => (Retry, Tags) = (options.Retry, options.Tags);

    public TaskRetryOptions? Retry { get; init; }

    public IDictionary<string, string>? Tags { get; init; }

    public static TaskOptions FromRetryHandler(AsyncRetryHandler handler) => new(handler);

    public static TaskOptions FromRetryHandler(RetryHandler handler) => throw new NotSupportedException();

    public SubOrchestrationOptions WithInstanceId(string instanceId) => new(this, instanceId);
}

public record SubOrchestrationOptions : TaskOptions
{
    public SubOrchestrationOptions(TaskRetryOptions? retry = null, string? instanceId = null)
        : base(retry) => InstanceId = instanceId;

    public SubOrchestrationOptions(TaskOptions options, string? instanceId = null)
        : base(options) => InstanceId = instanceId;

    public SubOrchestrationOptions(SubOrchestrationOptions options)
        : base(options) => InstanceId = options.InstanceId;

    public string? InstanceId { get; init; }
}

public record StartOrchestrationOptions
{
#pragma warning disable SA1313, IDE1006 // the SDK keeps the positional record's PascalCase parameter names
    public StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null) => (this.InstanceId, this.StartAt) = (InstanceId, StartAt);
#pragma warning restore SA1313, IDE1006

    public StartOrchestrationOptions(StartOrchestrationOptions options) => (InstanceId, StartAt) = (options.InstanceId, options.StartAt);

    public string? InstanceId { get; init; }

    public DateTimeOffset? StartAt { get; init; }
}

public record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace, TaskFailureDetails? InnerFailure);

public sealed class TaskFailedException(TaskFailureDetails failureDetails) : Exception
{
    public TaskFailureDetails FailureDetails { get; } = failureDetails;
}

public abstract class TaskOrchestrationContext
{
    public abstract TaskName Name { get; }

    public abstract string InstanceId { get; }

    public abstract DateTime CurrentUtcDateTime { get; }

    public abstract bool IsReplaying { get; }

    public abstract T? GetInput<T>();

    public virtual Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) => CallActivityAsync<object>(name, input, options);

    public abstract Task<T> CallActivityAsync<T>(TaskName name, object? input = null, TaskOptions? options = null);

    public virtual Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) => CreateTimer(CurrentUtcDateTime.Add(delay), cancellationToken);

    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    public abstract Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    public abstract void SendEvent(string instanceId, string eventName, object payload);

    public abstract void SetCustomStatus(object? customStatus);

    public abstract Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null);

    public abstract void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

    public abstract Guid NewGuid();

    public virtual ILogger CreateReplaySafeLogger(string categoryName) => throw new NotSupportedException();
}

public abstract class AsyncPageable<T> : IAsyncEnumerable<T>
    where T : notnull
{
    public abstract IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default);
}

// Declared in src/Client/Core/OrchestrationQuery.cs, in this namespace (not ".Client").
public record OrchestrationQuery(
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    IEnumerable<Client.OrchestrationRuntimeStatus>? Statuses = null,
    IEnumerable<string>? TaskHubNames = null,
    string? InstanceIdPrefix = null,
    int PageSize = 100,
    bool FetchInputsAndOutputs = false,
    string? ContinuationToken = null);
