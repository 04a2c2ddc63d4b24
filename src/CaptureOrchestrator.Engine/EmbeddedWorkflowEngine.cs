using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;
using CaptureOrchestrator.Engine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CaptureOrchestrator.Engine;

/// <summary>
/// Runs registered workflows on one machine over a SQLite store: each round replays the
/// instances that have new messages and runs queued activities. <see cref="RunOnce"/> is one
/// round at a given time (tests drive it with their own clock). One engine process per store.
/// </summary>
public sealed partial class EmbeddedWorkflowEngine : IDisposable
{
    /// <summary>The meter the engine's instruments are on (for exporters).</summary>
    public const string MeterName = EngineMetrics.MeterName;

    private static readonly TimeSpan ActivityLease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(200);

    // One SQLite connection: callers (HTTP requests) and the engine loop take turns.
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SqliteWorkflowStore _store;
    private readonly WorkflowRegistry _registry;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly EngineMetrics _metrics;

    /// <param name="databasePath">SQLite file (":memory:" for a private in-memory store).</param>
    /// <param name="registry">Workflows and activities by name.</param>
    /// <param name="loggerFactory">Structured logs per instance.</param>
    /// <exception cref="WorkflowStoreException">The database cannot be opened.</exception>
    /// <param name="busyTimeout">How long start-up and steps wait for another process's lock on the file.</param>
    public EmbeddedWorkflowEngine(string databasePath, WorkflowRegistry registry, ILoggerFactory? loggerFactory = null, TimeSpan? busyTimeout = null)
    {
        _store = new SqliteWorkflowStore(databasePath, busyTimeout);

        // One engine process per store: a lease that exists now was taken by a process that died,
        // so its activities run again at once instead of after the lease expires (at-least-once).
        _store.ReleaseLeases();
        _registry = registry;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<EmbeddedWorkflowEngine>();
        _metrics = new EngineMetrics(databasePath, () => GetStatistics(DateTime.UtcNow));
    }

    /// <summary>Instances by status and queue depth at <paramref name="now"/>.</summary>
    public EngineStatistics GetStatistics(DateTime now)
    {
        lock (_gate)
        {
            return new EngineStatistics(_store.CountInstancesByStatus(), _store.CountQueuedActivities(), _store.CountVisibleMessages(now));
        }
    }

    /// <summary>Activities run at the same time (bounded worker pool).</summary>
    public int MaxConcurrentActivities { get; init; } = Math.Max(4, Environment.ProcessorCount * 4);

    public void Dispose()
    {
        _metrics.Dispose();
        _store.Dispose();
        _wake.Dispose();
    }

    /// <summary>Starts an instance; an existing id is returned as is (idempotent start).</summary>
    public string Start(string workflowName, object? input, string? instanceId, DateTime now)
    {
        string id = instanceId ?? Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            _store.CreateInstance(id, workflowName, WorkflowSerializer.Serialize(input), now);
        }

        _wake.Release();
        return id;
    }

    public void RaiseEvent(string instanceId, string eventName, object? payload, DateTime now)
    {
        lock (_gate)
        {
            _store.RaiseEvent(instanceId, eventName, WorkflowSerializer.Serialize(payload), now);
        }

        _wake.Release();
    }

    public WorkflowMetadata? GetInstance(string instanceId)
    {
        lock (_gate)
        {
            return _store.GetInstance(instanceId);
        }
    }

    public bool Terminate(string instanceId, object? output, DateTime now)
    {
        lock (_gate)
        {
            return _store.Terminate(instanceId, WorkflowSerializer.Serialize(output), now);
        }
    }

    public bool Purge(string instanceId)
    {
        lock (_gate)
        {
            return _store.Purge(instanceId);
        }
    }

    /// <summary>Every matching instance in creation order, read <see cref="WorkflowQuery.PageSize"/> at a time (the lock is held per page, not across).</summary>
    public IEnumerable<WorkflowMetadata> Query(WorkflowQuery query)
    {
        WorkflowMetadata? last = null;
        while (true)
        {
            IReadOnlyList<WorkflowMetadata> page;
            lock (_gate)
            {
                page = _store.InstancesPage(query, last);
            }

            foreach (WorkflowMetadata instance in page)
            {
                yield return instance;
            }

            if (page.Count < Math.Max(1, query.PageSize))
            {
                yield break;
            }

            last = page[^1];
        }
    }

    /// <summary>The recorded history (used by the replay check of the test harness).</summary>
    public IReadOnlyList<Replay.HistoryEvent> History(string instanceId)
    {
        lock (_gate)
        {
            return _store.History(instanceId);
        }
    }

    /// <summary>Runs rounds until cancelled, waking early when work is started or events arrive.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            bool worked = await RunOnce(DateTime.UtcNow, cancellationToken).ConfigureAwait(false);
            if (!worked)
            {
                try
                {
                    await _wake.WaitAsync(IdlePoll, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One round: every instance with visible messages takes a step, then queued activities run in parallel.</summary>
    /// <returns>Whether anything was done.</returns>
    public async Task<bool> RunOnce(DateTime now, CancellationToken cancellationToken = default)
    {
        bool stepped = RunWorkflowSteps(now);
        bool ran = await RunActivities(now, cancellationToken).ConfigureAwait(false);
        return stepped || ran;
    }

    /// <summary>Replays every instance that has messages visible at <paramref name="now"/> and records its step.</summary>
    public bool RunWorkflowSteps(DateTime now)
    {
        lock (_gate)
        {
            IReadOnlyList<string> instances = _store.InstancesWithWork(now, limit: 1000);
            try
            {
                _store.InOneTransaction(() =>
                {
                    foreach (string instanceId in instances)
                    {
                        Step(instanceId, now);
                    }
                });
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The whole batch rolled back: take the steps one transaction each, so an instance
                // whose step fails cannot hold the others back.
                LogBatchFallback(_logger, e.Message);
                foreach (string instanceId in instances)
                {
                    Step(instanceId, now);
                }
            }

            return instances.Count > 0;
        }
    }

    /// <summary>Runs queued activities whose lease is free, at most <see cref="MaxConcurrentActivities"/> at a time.</summary>
    public async Task<bool> RunActivities(DateTime now, CancellationToken cancellationToken = default)
    {
        bool worked = false;
        while (true)
        {
            var leased = new List<ActivityWorkItem>();
            lock (_gate)
            {
                while (leased.Count < MaxConcurrentActivities && _store.LeaseActivity(now, ActivityLease) is { } activity)
                {
                    leased.Add(activity);
                }
            }

            if (leased.Count == 0)
            {
                return worked;
            }

            HistoryEvent[] outcomes = await Task.WhenAll(leased.Select(a => RunActivity(a, cancellationToken))).ConfigureAwait(false);
            lock (_gate)
            {
                _store.CompleteActivities(leased.Zip(outcomes).ToList(), now);
            }

            worked = true;
        }
    }

    private void Step(string instanceId, DateTime now)
    {
        WorkflowWorkItem? work = _store.LoadWorkflowWork(instanceId, now);
        if (work is null || work.Inbox.Count == 0)
        {
            return;
        }

        IReadOnlyList<long> consumed = work.Inbox.Select(m => m.Id).ToList();
        var history = work.History.ToList();
        var appended = new List<HistoryEvent>();
        if (history.Count == 0)
        {
            if (work.Inbox.FirstOrDefault(m => m.Event is WorkflowStarted).Event is not WorkflowStarted started)
            {
                return; // messages for an instance that has not started yet: leave them
            }

            history.Add(started);
            appended.Add(started);
        }

        var arrived = new List<HistoryEvent> { new EpisodeStarted(now) };
        arrived.AddRange(work.Inbox.Select(m => m.Event).Where(e => e is not WorkflowStarted));
        appended.AddRange(arrived);

        if (!_registry.TryCreateWorkflow(work.Name, out IWorkflow workflow))
        {
            Fail(instanceId, consumed, appended, new WorkflowFailureDetails(typeof(InvalidOperationException).FullName!, $"no workflow named '{work.Name}' is registered"), now);
            return;
        }

        ReplayOutcome outcome;
        try
        {
            outcome = WorkflowReplayer.Replay(workflow, instanceId, history, arrived, _loggerFactory);
        }
        catch (Exception e) when (e is NonDeterministicWorkflowException or WorkflowPayloadException)
        {
            Fail(instanceId, consumed, appended, WorkflowFailureDetails.FromException(e), now);
            return;
        }

        if (outcome.State == ReplayState.ContinuedAsNew)
        {
            _store.RestartInstance(instanceId, consumed, work.Name, outcome.ContinueAsNewInput, outcome.CarriedOverEvents, outcome.CustomStatus, now);
            return;
        }

        foreach (WorkflowCommand command in outcome.NewCommands)
        {
            appended.Add(command switch
            {
                ScheduleActivity a => new ActivityScheduled(now, a.TaskId, a.Name, a.Input, a.Attempt),
                StartTimer t => new TimerCreated(now, t.TaskId, t.FireAt),
                ScheduleSubWorkflow s => new SubWorkflowScheduled(now, s.TaskId, s.Name, s.InstanceId, s.Input),
                _ => throw new InvalidOperationException($"unknown command {command}"),
            });
        }

        WorkflowRuntimeStatus status = outcome.State switch
        {
            ReplayState.Completed => WorkflowRuntimeStatus.Completed,
            ReplayState.Failed => WorkflowRuntimeStatus.Failed,
            _ => WorkflowRuntimeStatus.Running,
        };
        _store.CommitWorkflowStep(instanceId, consumed, appended, outcome.NewCommands, status, outcome.SerializedOutput, outcome.Failure, outcome.CustomStatus, now);
        _metrics.StepRecorded(status);
        LogStep(_logger, work.Name, instanceId, status, outcome.NewCommands.Count);
    }

    private void Fail(string instanceId, IReadOnlyList<long> consumed, List<HistoryEvent> appended, WorkflowFailureDetails failure, DateTime now)
    {
        _store.CommitWorkflowStep(instanceId, consumed, appended, [], WorkflowRuntimeStatus.Failed, null, failure, null, now);
        LogFailed(_logger, instanceId, failure.ErrorMessage);
    }

    private async Task<HistoryEvent> RunActivity(ActivityWorkItem item, CancellationToken cancellationToken)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        HistoryEvent outcome = await Execute(item, cancellationToken).ConfigureAwait(false);
        _metrics.ActivityRan(item.Name, outcome is ActivityCompleted, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return outcome;
    }

    private async Task<HistoryEvent> Execute(ActivityWorkItem item, CancellationToken cancellationToken)
    {
        DateTime started = DateTime.UtcNow;
        if (!_registry.TryCreateActivity(item.Name, out IActivity activity))
        {
            return new ActivityFailed(started, item.TaskId, new WorkflowFailureDetails(typeof(InvalidOperationException).FullName!, $"no activity named '{item.Name}' is registered"));
        }

        try
        {
            await Task.Yield(); // run on the pool: activities of one round proceed in parallel
            object? input = WorkflowSerializer.Deserialize(item.Input, activity.InputType, $"input of activity {item.Name}");
            object? result = await activity.RunAsync(new WorkflowActivityContext(item.Name, item.InstanceId, item.Attempt), input, cancellationToken).ConfigureAwait(false);
            return new ActivityCompleted(started, item.TaskId, WorkflowSerializer.Serialize(result));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ActivityFailed(started, item.TaskId, WorkflowFailureDetails.FromException(e));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "workflow {Name} {InstanceId}: {Status}, {Commands} new commands")]
    private static partial void LogStep(ILogger logger, string name, string instanceId, WorkflowRuntimeStatus status, int commands);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a round of workflow steps failed as a batch and is retried step by step: {Reason}")]
    private static partial void LogBatchFallback(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "workflow instance {InstanceId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string instanceId, string reason);
}
