using System.Globalization;
using System.Text.Json;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;
using Microsoft.Data.Sqlite;

namespace CaptureOrchestrator.Engine.Storage;

/// <summary>A workflow instance's pending work: its history and the messages that arrived since.</summary>
internal sealed record WorkflowWorkItem(string InstanceId, string Name, IReadOnlyList<HistoryEvent> History, IReadOnlyList<(long Id, HistoryEvent Event)> Inbox);

/// <summary>An activity leased to a worker.</summary>
internal sealed record ActivityWorkItem(long Id, string InstanceId, int TaskId, string Name, string? Input, int Attempt);

/// <summary>
/// Durable state of the embedded engine in SQLite: instances, their append-only histories, an
/// inbox of messages per instance (completions, fired timers, raised events — a timer is a
/// message that becomes visible at its time) and a queue of activities. Every state change of
/// one step happens in one transaction, so a crash at any point leaves a consistent store.
/// </summary>
internal sealed class SqliteWorkflowStore : IDisposable
{
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web);
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteTransaction? _ambient;

    static SqliteWorkflowStore() => SQLitePCL.Batteries_V2.Init();

    /// <param name="path">Database file; ":memory:" for a private in-memory store (tests).</param>
    /// <param name="busyTimeout">How long to wait for another process's lock before giving up.</param>
    /// <exception cref="WorkflowStoreException">The file cannot be opened, is locked, or is not a workflow store.</exception>
    public SqliteWorkflowStore(string path, TimeSpan? busyTimeout = null)
    {
        TimeSpan wait = busyTimeout ?? TimeSpan.FromSeconds(5);
        // Microsoft.Data.Sqlite retries busy statements for its own command timeout (whole seconds) on top of SQLite's busy_timeout.
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)),
        }.ToString());
        try
        {
            _connection.Open();
            Execute($"PRAGMA busy_timeout={(int)wait.TotalMilliseconds}; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            Migrate(path);
        }
        catch (SqliteException e)
        {
            _connection.Dispose();
            throw new WorkflowStoreException($"cannot open the workflow store '{path}': {e.Message}", e);
        }
        catch (WorkflowStoreException)
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>The schema this build writes (SQLite's <c>PRAGMA user_version</c>).</summary>
    public const int SchemaVersion = 1;

    /// <summary>
    /// Steps from one schema version to the next, in order; step N turns a version N-1 database
    /// into version N. Version 0 is a database written before the schema had a version: its
    /// tables are the version 1 tables, so step 1 creates what is missing and stamps the version.
    /// A new step goes at the end, with a test that opens a database of the version before it.
    /// </summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS instances (
            instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
            input TEXT, output TEXT, custom_status TEXT, failure TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            parent_instance_id TEXT, parent_task_id INTEGER);
        CREATE TABLE IF NOT EXISTS history (
            instance_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
            PRIMARY KEY (instance_id, seq));
        CREATE TABLE IF NOT EXISTS inbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, event TEXT NOT NULL, visible_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS inbox_visible ON inbox (visible_at, instance_id);
        CREATE TABLE IF NOT EXISTS activities (
            id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, task_id INTEGER NOT NULL,
            name TEXT NOT NULL, input TEXT, attempt INTEGER NOT NULL DEFAULT 1, leased_until INTEGER NOT NULL DEFAULT 0);
        """,
    ];

    /// <summary>Brings the database to <see cref="SchemaVersion"/>, one step per transaction; refuses a database from a newer build.</summary>
    private void Migrate(string path)
    {
        int version = Scalar<int>(null, "PRAGMA user_version");
        if (version > SchemaVersion)
        {
            throw new WorkflowStoreException(
                $"the workflow store '{path}' has schema version {version}, written by a newer CaptureOrchestrator; this build reads up to version {SchemaVersion}. Run the newer build, or point this one at another store.");
        }

        for (int step = version; step < SchemaVersion; step++)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            Execute(transaction, Migrations[step]);
            Execute(transaction, $"PRAGMA user_version = {step + 1}"); // transactional in SQLite: a crash leaves the old version
            transaction.Commit();
        }
    }

    public void Dispose()
    {
        foreach (SqliteCommand command in _commands.Values)
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    /// <summary>
    /// Runs several operations in one transaction (each keeps its own all-or-nothing meaning;
    /// together they commit once, which is what makes a round of many steps cheap).
    /// </summary>
    public void InOneTransaction(Action work)
    {
        _ambient = _connection.BeginTransaction();
        try
        {
            work();
            _ambient.Commit();
        }
        finally
        {
            _ambient.Dispose();
            _ambient = null;
        }
    }

    private Scope Begin() => _ambient is { } ambient ? new Scope(ambient, owned: false) : new Scope(_connection.BeginTransaction(), owned: true);

    /// <summary>A transaction of its own, or a part of the ambient one.</summary>
    private sealed class Scope(SqliteTransaction transaction, bool owned) : IDisposable
    {
        public SqliteTransaction Transaction { get; } = transaction;

        public void Commit()
        {
            if (owned)
            {
                Transaction.Commit();
            }
        }

        public void Dispose()
        {
            if (owned)
            {
                Transaction.Dispose();
            }
        }
    }

    /// <summary>Creates an instance unless one with that id exists; false when it already existed.</summary>
    public bool CreateInstance(string instanceId, string name, string? input, DateTime now)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        if (Scalar<long>(transaction, "SELECT COUNT(*) FROM instances WHERE instance_id = $id", ("$id", instanceId)) > 0)
        {
            return false;
        }

        Execute(transaction, "INSERT INTO instances (instance_id, name, status, input, created_at, updated_at) VALUES ($id, $name, $status, $input, $now, $now)",
            ("$id", instanceId), ("$name", name), ("$status", nameof(WorkflowRuntimeStatus.Pending)), ("$input", input), ("$now", Ticks(now)));
        Enqueue(transaction, instanceId, new WorkflowStarted(now, name, input), now);
        scope.Commit();
        return true;
    }

    public void RaiseEvent(string instanceId, string name, string? payload, DateTime now)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        Enqueue(transaction, instanceId, new EventRaised(now, name, payload), now);
        scope.Commit();
    }

    /// <summary>Instances with at least one message visible at <paramref name="now"/>.</summary>
    public IReadOnlyList<string> InstancesWithWork(DateTime now, int limit)
    {
        SqliteCommand command = Command(null, "SELECT DISTINCT instance_id FROM inbox WHERE visible_at <= $now LIMIT $limit", ("$now", Ticks(now)), ("$limit", limit));
        using SqliteDataReader reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public WorkflowWorkItem? LoadWorkflowWork(string instanceId, DateTime now)
    {
        string? name = Scalar<string?>(null, "SELECT name FROM instances WHERE instance_id = $id", ("$id", instanceId));
        if (name is null)
        {
            return null;
        }

        var history = new List<HistoryEvent>();
        using (SqliteCommand command = Command(null, "SELECT event FROM history WHERE instance_id = $id ORDER BY seq", ("$id", instanceId)))
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                history.Add(Deserialize(reader.GetString(0)));
            }
        }

        var inbox = new List<(long, HistoryEvent)>();
        using (SqliteCommand command = Command(null, "SELECT id, event FROM inbox WHERE instance_id = $id AND visible_at <= $now ORDER BY id", ("$id", instanceId), ("$now", Ticks(now))))
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                inbox.Add((reader.GetInt64(0), Deserialize(reader.GetString(1))));
            }
        }

        return new WorkflowWorkItem(instanceId, name, history, inbox);
    }

    /// <summary>
    /// Records one workflow step atomically: consumes the inbox messages it processed, appends
    /// the events to the history, queues its new activities and timers, updates the instance.
    /// </summary>
    public void CommitWorkflowStep(string instanceId, IReadOnlyList<long> consumed, IReadOnlyList<HistoryEvent> appended, IReadOnlyList<WorkflowCommand> commands, WorkflowRuntimeStatus status, string? output, WorkflowFailureDetails? failure, string? customStatus, DateTime now)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        foreach (long id in consumed)
        {
            Execute(transaction, "DELETE FROM inbox WHERE id = $id", ("$id", id));
        }

        long next = Scalar<long>(transaction, "SELECT COALESCE(MAX(seq), -1) + 1 FROM history WHERE instance_id = $id", ("$id", instanceId));
        foreach (HistoryEvent historyEvent in appended)
        {
            Execute(transaction, "INSERT INTO history (instance_id, seq, event) VALUES ($id, $seq, $event)", ("$id", instanceId), ("$seq", next++), ("$event", Serialize(historyEvent)));
        }

        foreach (WorkflowCommand command in commands)
        {
            switch (command)
            {
                case ScheduleActivity activity:
                    Execute(transaction, "INSERT INTO activities (instance_id, task_id, name, input, attempt) VALUES ($id, $task, $name, $input, $attempt)",
                        ("$id", instanceId), ("$task", activity.TaskId), ("$name", activity.Name), ("$input", activity.Input), ("$attempt", activity.Attempt));
                    break;
                case StartTimer timer:
                    Enqueue(transaction, instanceId, new TimerFired(timer.FireAt, timer.TaskId), timer.FireAt);
                    break;
                case ScheduleSubWorkflow sub:
                    CreateChild(transaction, sub, instanceId, now);
                    break;
            }
        }

        if (status is WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed)
        {
            NotifyParent(transaction, instanceId, status, output, failure, now);
        }

        Execute(transaction, "UPDATE instances SET status = $status, output = $output, failure = $failure, custom_status = $custom, updated_at = $now WHERE instance_id = $id",
            ("$id", instanceId), ("$status", status.ToString()), ("$output", output), ("$failure", failure is null ? null : JsonSerializer.Serialize(failure, EventJson)),
            ("$custom", customStatus), ("$now", Ticks(now)));
        scope.Commit();
    }

    /// <summary>
    /// Continue-as-new: the history is truncated and the instance restarts with new input and
    /// the events it had not consumed, in one transaction.
    /// </summary>
    public void RestartInstance(string instanceId, IReadOnlyList<long> consumed, string name, string? input, IReadOnlyList<EventRaised> carried, string? customStatus, DateTime now)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        foreach (long id in consumed)
        {
            Execute(transaction, "DELETE FROM inbox WHERE id = $id", ("$id", id));
        }

        Execute(transaction, "DELETE FROM history WHERE instance_id = $id", ("$id", instanceId));
        Enqueue(transaction, instanceId, new WorkflowStarted(now, name, input), now);
        foreach (EventRaised raised in carried)
        {
            Enqueue(transaction, instanceId, raised, now);
        }

        Execute(transaction, "UPDATE instances SET status = $status, input = $input, custom_status = $custom, updated_at = $now WHERE instance_id = $id",
            ("$id", instanceId), ("$status", nameof(WorkflowRuntimeStatus.ContinuedAsNew)), ("$input", input), ("$custom", customStatus), ("$now", Ticks(now)));
        scope.Commit();
    }

    private void CreateChild(SqliteTransaction transaction, ScheduleSubWorkflow sub, string parentId, DateTime now)
    {
        if (Scalar<long>(transaction, "SELECT COUNT(*) FROM instances WHERE instance_id = $id", ("$id", sub.InstanceId)) > 0)
        {
            // An instance with that id exists already: the parent learns it could not start a child.
            var failure = new WorkflowFailureDetails(typeof(InvalidOperationException).FullName!, $"an instance with id '{sub.InstanceId}' already exists");
            Enqueue(transaction, parentId, new SubWorkflowFailed(now, sub.TaskId, failure), now);
            return;
        }

        Execute(transaction, "INSERT INTO instances (instance_id, name, status, input, created_at, updated_at, parent_instance_id, parent_task_id) VALUES ($id, $name, $status, $input, $now, $now, $parent, $task)",
            ("$id", sub.InstanceId), ("$name", sub.Name), ("$status", nameof(WorkflowRuntimeStatus.Pending)), ("$input", sub.Input), ("$now", Ticks(now)),
            ("$parent", parentId), ("$task", sub.TaskId));
        Enqueue(transaction, sub.InstanceId, new WorkflowStarted(now, sub.Name, sub.Input), now);
    }

    private void NotifyParent(SqliteTransaction transaction, string instanceId, WorkflowRuntimeStatus status, string? output, WorkflowFailureDetails? failure, DateTime now)
    {
        SqliteCommand command = Command(transaction, "SELECT parent_instance_id, parent_task_id FROM instances WHERE instance_id = $id AND parent_instance_id IS NOT NULL", ("$id", instanceId));
        using SqliteDataReader reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return;
        }

        string parent = reader.GetString(0);
        int taskId = reader.GetInt32(1);
        reader.Close();
        HistoryEvent message = status == WorkflowRuntimeStatus.Completed
            ? new SubWorkflowCompleted(now, taskId, output)
            : new SubWorkflowFailed(now, taskId, failure ?? new WorkflowFailureDetails(typeof(InvalidOperationException).FullName!, $"sub-workflow {instanceId} failed"));
        Enqueue(transaction, parent, message, now);
    }

    /// <summary>Frees every activity lease (at start-up: leases then belong to a process that died).</summary>
    public int ReleaseLeases() => Execute(null, "UPDATE activities SET leased_until = 0 WHERE leased_until > 0");

    /// <summary>Leases the next activity whose lease has expired (a crashed worker's activity runs again).</summary>
    public ActivityWorkItem? LeaseActivity(DateTime now, TimeSpan lease)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        SqliteCommand select = Command(transaction, "SELECT id, instance_id, task_id, name, input, attempt FROM activities WHERE leased_until <= $now ORDER BY id LIMIT 1", ("$now", Ticks(now)));
        ActivityWorkItem? item = null;
        using (SqliteDataReader reader = select.ExecuteReader())
        {
            if (reader.Read())
            {
                item = new ActivityWorkItem(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5));
            }
        }

        if (item is not null)
        {
            Execute(transaction, "UPDATE activities SET leased_until = $until WHERE id = $id", ("$id", item.Id), ("$until", Ticks(now + lease)));
        }

        scope.Commit();
        return item;
    }

    /// <summary>Records several results in one transaction (each still all-or-nothing with its queue entry).</summary>
    public void CompleteActivities(IReadOnlyList<(ActivityWorkItem Item, HistoryEvent Outcome)> results, DateTime now)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        foreach ((ActivityWorkItem item, HistoryEvent outcome) in results)
        {
            // A result whose queue entry is gone (recorded by another worker after a lease expiry) is dropped: recorded once.
            if (Execute(transaction, "DELETE FROM activities WHERE id = $id", ("$id", item.Id)) == 1)
            {
                Enqueue(transaction, item.InstanceId, outcome, now);
            }
        }

        scope.Commit();
    }

    public WorkflowMetadata? GetInstance(string instanceId)
    {
        SqliteCommand command = Command(null, $"SELECT {InstanceColumns} FROM instances WHERE instance_id = $id", ("$id", instanceId));
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? ReadInstance(reader) : null;
    }

    /// <summary>
    /// One page of the instances matching <paramref name="query"/>, in creation order, starting after
    /// <paramref name="after"/> (keyset paging: stable while instances are added).
    /// </summary>
    public IReadOnlyList<WorkflowMetadata> InstancesPage(WorkflowQuery query, WorkflowMetadata? after)
    {
        SqliteCommand command = Command(null, $"""
            SELECT {InstanceColumns} FROM instances
            WHERE instance_id LIKE $prefix ESCAPE '\'
              AND ($statuses IS NULL OR instr($statuses, ',' || status || ',') > 0)
              AND ($from IS NULL OR created_at >= $from) AND ($to IS NULL OR created_at <= $to)
              AND ($afterCreated IS NULL OR created_at > $afterCreated OR (created_at = $afterCreated AND instance_id > $afterId))
            ORDER BY created_at, instance_id LIMIT $limit
            """,
            ("$prefix", EscapeLike(query.InstanceIdPrefix ?? string.Empty) + "%"),
            ("$statuses", query.Statuses is null ? null : "," + string.Join(',', query.Statuses) + ","),
            ("$from", query.CreatedFrom?.UtcTicks),
            ("$to", query.CreatedTo?.UtcTicks),
            ("$afterCreated", after?.CreatedAt.UtcTicks),
            ("$afterId", after?.InstanceId),
            ("$limit", Math.Max(1, query.PageSize)));
        using SqliteDataReader reader = command.ExecuteReader();
        var page = new List<WorkflowMetadata>();
        while (reader.Read())
        {
            page.Add(ReadInstance(reader));
        }

        return page;
    }

    private const string InstanceColumns = "instance_id, name, status, created_at, updated_at, input, output, custom_status, failure";

    private static WorkflowMetadata ReadInstance(SqliteDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return new WorkflowMetadata(
            reader.GetString(1), reader.GetString(0), Enum.Parse<WorkflowRuntimeStatus>(reader.GetString(2)),
            new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero), new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
            Text(5), Text(6), Text(7), Text(8) is { } failure ? JsonSerializer.Deserialize<WorkflowFailureDetails>(failure, EventJson) : null);
    }

    public int CountQueuedActivities() => (int)Scalar<long>(null, "SELECT COUNT(*) FROM activities");

    /// <summary>Messages waiting for their instance at <paramref name="now"/> (timers not yet due excluded).</summary>
    public int CountVisibleMessages(DateTime now) => (int)Scalar<long>(null, "SELECT COUNT(*) FROM inbox WHERE visible_at <= $now", ("$now", Ticks(now)));

    public IReadOnlyDictionary<WorkflowRuntimeStatus, int> CountInstancesByStatus()
    {
        SqliteCommand command = Command(null, "SELECT status, COUNT(*) FROM instances GROUP BY status");
        using SqliteDataReader reader = command.ExecuteReader();
        var counts = new Dictionary<WorkflowRuntimeStatus, int>();
        while (reader.Read())
        {
            counts[Enum.Parse<WorkflowRuntimeStatus>(reader.GetString(0))] = reader.GetInt32(1);
        }

        return counts;
    }

    /// <summary>Ends a running instance: drops its queued work and marks it terminated; false when it is not running.</summary>
    public bool Terminate(string instanceId, string? output, DateTime now)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        string? status = Scalar<string?>(transaction, "SELECT status FROM instances WHERE instance_id = $id", ("$id", instanceId));
        if (status is null || !IsRunning(status))
        {
            return false;
        }

        Execute(transaction, "DELETE FROM inbox WHERE instance_id = $id", ("$id", instanceId));
        Execute(transaction, "DELETE FROM activities WHERE instance_id = $id", ("$id", instanceId));
        Execute(transaction, "UPDATE instances SET status = $status, output = $output, updated_at = $now WHERE instance_id = $id",
            ("$id", instanceId), ("$status", nameof(WorkflowRuntimeStatus.Terminated)), ("$output", output), ("$now", Ticks(now)));
        scope.Commit();
        return true;
    }

    /// <summary>Deletes a finished instance and its history; false when there is none or it still runs.</summary>
    public bool Purge(string instanceId)
    {
        using Scope scope = Begin();
        SqliteTransaction transaction = scope.Transaction;
        string? status = Scalar<string?>(transaction, "SELECT status FROM instances WHERE instance_id = $id", ("$id", instanceId));
        if (status is null || IsRunning(status))
        {
            return false;
        }

        Execute(transaction, "DELETE FROM history WHERE instance_id = $id", ("$id", instanceId));
        Execute(transaction, "DELETE FROM inbox WHERE instance_id = $id", ("$id", instanceId));
        Execute(transaction, "DELETE FROM instances WHERE instance_id = $id", ("$id", instanceId));
        scope.Commit();
        return true;
    }

    /// <summary>The recorded history of an instance (for replay checks and diagnostics).</summary>
    public IReadOnlyList<HistoryEvent> History(string instanceId) => LoadWorkflowWork(instanceId, DateTime.MinValue)?.History ?? [];

    private static bool IsRunning(string status) =>
        status is nameof(WorkflowRuntimeStatus.Pending) or nameof(WorkflowRuntimeStatus.Running) or nameof(WorkflowRuntimeStatus.ContinuedAsNew);

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private void Enqueue(SqliteTransaction transaction, string instanceId, HistoryEvent message, DateTime visibleAt) =>
        Execute(transaction, "INSERT INTO inbox (instance_id, event, visible_at) VALUES ($id, $event, $visible)",
            ("$id", instanceId), ("$event", Serialize(message)), ("$visible", Ticks(visibleAt)));

    private static string Serialize(HistoryEvent historyEvent) => JsonSerializer.Serialize(historyEvent, EventJson);

    private static HistoryEvent Deserialize(string json) =>
        JsonSerializer.Deserialize<HistoryEvent>(json, EventJson) ?? throw new WorkflowStoreException("a stored history event is empty");

    private static long Ticks(DateTime time) => time.ToUniversalTime().Ticks;

    private void Execute(string sql)
    {
        SqliteCommand command = Command(null, sql);
        command.ExecuteNonQuery();
    }

    private int Execute(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        SqliteCommand command = Command(transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private T Scalar<T>(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        SqliteCommand command = Command(transaction, sql, parameters);
        object? value = command.ExecuteScalar();
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The command for <paramref name="sql"/>, prepared once and reused (parsing SQL was a third
    /// of the store's time). Owned by the store: callers do not dispose it.
    /// </summary>
    private SqliteCommand Command(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out SqliteCommand? command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Transaction = transaction ?? _ambient;
        command.Parameters.Clear();
        foreach ((string name, object? value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}

/// <summary>The workflow store cannot be used (missing, locked or not a workflow store).</summary>
public sealed class WorkflowStoreException : Exception
{
    public WorkflowStoreException()
    {
    }

    public WorkflowStoreException(string message)
        : base(message)
    {
    }

    public WorkflowStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
