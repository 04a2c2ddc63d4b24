using System.Security.Cryptography;
using System.Text;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CaptureOrchestrator.Engine.Replay;

/// <summary>
/// The embedded engine's <see cref="IWorkflowContext"/>: every call becomes a numbered task whose
/// outcome comes from the history (replay) or, when the history has none yet, a new command.
/// </summary>
internal sealed class ReplayContext : IWorkflowContext
{
    private readonly Dictionary<int, PendingTask> _tasks = [];
    private readonly List<(int TaskId, WorkflowCommand Command)> _issued = [];
    private readonly Dictionary<string, Queue<TaskCompletionSource<string?>>> _eventWaiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<EventRaised> _bufferedEvents = [];
    private readonly ILoggerFactory _loggerFactory;
    private readonly string? _input;
    private int _nextTaskId;
    private int _guidCounter;

    public ReplayContext(string name, string instanceId, string? input, DateTime startTime, ILoggerFactory? loggerFactory)
    {
        Name = name;
        InstanceId = instanceId;
        _input = input;
        CurrentUtcDateTime = startTime;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    public string Name { get; }

    public string InstanceId { get; }

    public DateTime CurrentUtcDateTime { get; internal set; }

    public bool IsReplaying { get; internal set; }

    internal string? CustomStatus { get; private set; }

    internal bool CustomStatusChanged { get; set; }

    internal bool ContinueAsNewRequested { get; private set; }

    internal string? ContinueAsNewInput { get; private set; }

    internal bool PreserveUnprocessedEvents { get; private set; }

    internal IReadOnlyList<EventRaised> BufferedEvents => _bufferedEvents;

    public T? GetInput<T>() => (T?)WorkflowSerializer.Deserialize(_input, typeof(T), $"input of workflow {Name}");

    public Task CallActivityAsync(string name, object? input = null, WorkflowTaskOptions? options = null) =>
        CallActivityAsync<object>(name, input, options);

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null) =>
        WithRetries<TResult>(options?.Retry, name, (taskId, attempt) => new ScheduleActivity(taskId, name, WorkflowSerializer.Serialize(input), attempt), $"result of activity {name}");

    public Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null) =>
        WithRetries<TResult>(options?.Retry, name, (taskId, _) => new ScheduleSubWorkflow(taskId, name, instanceId ?? $"{InstanceId}:{taskId}", WorkflowSerializer.Serialize(input)), $"result of sub-workflow {name}");

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        int taskId = _nextTaskId++;
        var pending = new PendingTask(new StartTimer(taskId, fireAt));
        _tasks[taskId] = pending;
        _issued.Add((taskId, pending.Command));
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => pending.Completion.TrySetCanceled(cancellationToken));
        }

        return pending.Completion.Task;
    }

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<string?>();
        int buffered = _bufferedEvents.FindIndex(e => string.Equals(e.Name, eventName, StringComparison.OrdinalIgnoreCase));
        if (buffered >= 0)
        {
            completion.SetResult(_bufferedEvents[buffered].Payload);
            _bufferedEvents.RemoveAt(buffered);
        }
        else
        {
            if (!_eventWaiters.TryGetValue(eventName, out Queue<TaskCompletionSource<string?>>? waiters))
            {
                _eventWaiters[eventName] = waiters = new Queue<TaskCompletionSource<string?>>();
            }

            waiters.Enqueue(completion);
            if (cancellationToken.CanBeCanceled)
            {
                cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken));
            }
        }

        return Deserialize<T>(completion.Task, $"payload of event {eventName}");
    }

    public void SetCustomStatus(object? customStatus)
    {
        string? serialized = WorkflowSerializer.Serialize(customStatus);
        if (serialized != CustomStatus)
        {
            CustomStatus = serialized;
            CustomStatusChanged = true;
        }
    }

    public Guid NewGuid()
    {
        // Name-based (RFC 4122 version 5 style): the same instance, time and counter give the same GUID on every replay.
#pragma warning disable CA5350 // RFC 4122 version-5 GUIDs are defined with SHA-1; this is naming, not security
        byte[] hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{InstanceId}_{CurrentUtcDateTime:O}_{_guidCounter++}"));
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    public void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true)
    {
        ContinueAsNewRequested = true;
        ContinueAsNewInput = WorkflowSerializer.Serialize(newInput);
        PreserveUnprocessedEvents = preserveUnprocessedEvents;
    }

    public ILogger CreateReplaySafeLogger(string categoryName) => new ReplaySafeLogger(this, _loggerFactory.CreateLogger(categoryName));

    // ---- driven by the replayer -------------------------------------------------------------

    /// <summary>A history record says task <paramref name="taskId"/> was scheduled: the code must have asked for the same.</summary>
    internal void ConfirmScheduled(int taskId, WorkflowCommand recorded)
    {
        if (!_tasks.TryGetValue(taskId, out PendingTask? pending))
        {
            throw new NonDeterministicWorkflowException(
                $"workflow {Name} ({InstanceId}) is not deterministic: its history records {Describe(recorded)} as step {taskId}, but the code did not ask for it");
        }

        if (!SameKind(pending.Command, recorded))
        {
            throw new NonDeterministicWorkflowException(
                $"workflow {Name} ({InstanceId}) is not deterministic: step {taskId} is {Describe(recorded)} in the history but {Describe(pending.Command)} in the code");
        }

        pending.Recorded = true;
    }

    internal void Complete(int taskId, string? result)
    {
        if (_tasks.Remove(taskId, out PendingTask? pending))
        {
            pending.Completion.TrySetResult(result);
        }
    }

    internal void Fail(int taskId, WorkflowFailureDetails failure)
    {
        if (_tasks.Remove(taskId, out PendingTask? pending))
        {
            string name = pending.Command switch
            {
                ScheduleActivity a => a.Name,
                ScheduleSubWorkflow s => s.Name,
                _ => $"task {taskId}",
            };
            pending.Completion.TrySetException(new WorkflowTaskFailedException(name, failure));
        }
    }

    internal void Deliver(EventRaised raised)
    {
        if (_eventWaiters.TryGetValue(raised.Name, out Queue<TaskCompletionSource<string?>>? waiters))
        {
            while (waiters.TryDequeue(out TaskCompletionSource<string?>? waiter))
            {
                if (waiter.TrySetResult(raised.Payload))
                {
                    return;
                }
            }
        }

        _bufferedEvents.Add(raised);
    }

    /// <summary>Commands the code issued that the history does not record yet (in the order issued).</summary>
    internal IReadOnlyList<WorkflowCommand> NewCommands() =>
        _issued.Where(i => _tasks.TryGetValue(i.TaskId, out PendingTask? p) && !p.Recorded && !p.Completion.Task.IsCompleted)
            .Select(i => i.Command)
            .ToList();

    // The attempt number travels with the activity, so the activity knows it is a retry (a delivery
    // repeated after a crash is the same attempt).
    private async Task<TResult> WithRetries<TResult>(RetryPolicy? retry, string name, Func<int, int, WorkflowCommand> command, string what)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                int thisAttempt = attempt;
                return await Deserialize<TResult>(Schedule(taskId => command(taskId, thisAttempt)), what).ConfigureAwait(true);
            }
            catch (WorkflowTaskFailedException failed) when (retry?.DelayBefore(attempt + 1, failed.FailureDetails) is { } delay)
            {
                await CreateTimer(CurrentUtcDateTime.Add(delay), CancellationToken.None).ConfigureAwait(true);
            }
        }
    }

    private Task<string?> Schedule(Func<int, WorkflowCommand> command)
    {
        int taskId = _nextTaskId++;
        var pending = new PendingTask(command(taskId));
        _tasks[taskId] = pending;
        _issued.Add((taskId, pending.Command));
        return pending.Completion.Task;
    }

    private static async Task<T> Deserialize<T>(Task<string?> serialized, string what)
    {
        string? json = await serialized.ConfigureAwait(true);
        return (T)WorkflowSerializer.Deserialize(json, typeof(T), what)!;
    }

    private static bool SameKind(WorkflowCommand code, WorkflowCommand recorded) => (code, recorded) switch
    {
        (ScheduleActivity a, ScheduleActivity b) => a.Name == b.Name,
        (ScheduleSubWorkflow a, ScheduleSubWorkflow b) => a.Name == b.Name,
        (StartTimer, StartTimer) => true,
        _ => false,
    };

    private static string Describe(WorkflowCommand command) => command switch
    {
        ScheduleActivity a => $"activity '{a.Name}'",
        ScheduleSubWorkflow s => $"sub-workflow '{s.Name}'",
        StartTimer t => $"a timer until {t.FireAt:O}",
        _ => command.GetType().Name,
    };

    private sealed class PendingTask(WorkflowCommand command)
    {
        public WorkflowCommand Command { get; } = command;

        public TaskCompletionSource<string?> Completion { get; } = new();

        public bool Recorded { get; set; }
    }

    private sealed class ReplaySafeLogger(ReplayContext context, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!context.IsReplaying)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
