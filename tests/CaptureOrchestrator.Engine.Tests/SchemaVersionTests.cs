using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Storage;
using Microsoft.Data.Sqlite;

namespace CaptureOrchestrator.Engine.Tests;

/// <summary>
/// The store's schema carries a version (PRAGMA user_version): a database from an earlier build is
/// migrated when opened, keeping its work; one from a newer build is refused with a clear error.
/// </summary>
public sealed class SchemaVersionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("co-schema-").FullName;

    private string Database => Path.Combine(_directory, "engine.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private long UserVersion()
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    private void Run(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void A_new_store_is_stamped_with_the_current_version()
    {
        using (new SqliteWorkflowStore(Database))
        {
        }

        Assert.Equal(SqliteWorkflowStore.SchemaVersion, UserVersion());
    }

    [Fact]
    public void A_store_written_before_versioning_is_migrated_and_keeps_its_work()
    {
        // Exactly what builds before the schema version created (user_version 0), with an
        // instance waiting for its activity.
        Run("""
            CREATE TABLE instances (
                instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
                input TEXT, output TEXT, custom_status TEXT, failure TEXT,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                parent_instance_id TEXT, parent_task_id INTEGER);
            CREATE TABLE history (
                instance_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
                PRIMARY KEY (instance_id, seq));
            CREATE TABLE inbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, event TEXT NOT NULL, visible_at INTEGER NOT NULL);
            CREATE INDEX inbox_visible ON inbox (visible_at, instance_id);
            CREATE TABLE activities (
                id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, task_id INTEGER NOT NULL,
                name TEXT NOT NULL, input TEXT, attempt INTEGER NOT NULL DEFAULT 1, leased_until INTEGER NOT NULL DEFAULT 0);
            INSERT INTO instances (instance_id, name, status, input, created_at, updated_at) VALUES ('op-1', 'PacketCapture', 'Running', '{}', 1, 1);
            INSERT INTO activities (instance_id, task_id, name, input) VALUES ('op-1', 0, 'StartCapture', '{"target":"vm-app"}');
            """);
        Assert.Equal(0, UserVersion());

        using (var store = new SqliteWorkflowStore(Database))
        {
            Assert.Equal(WorkflowRuntimeStatus.Running, store.GetInstance("op-1")!.RuntimeStatus);
            ActivityWorkItem activity = Assert.IsType<ActivityWorkItem>(store.LeaseActivity(DateTime.UtcNow, TimeSpan.FromMinutes(1)));
            Assert.Equal(("op-1", "StartCapture", "{\"target\":\"vm-app\"}", 1), (activity.InstanceId, activity.Name, activity.Input, activity.Attempt));
        }

        Assert.Equal(SqliteWorkflowStore.SchemaVersion, UserVersion());
    }

    [Fact]
    public void A_store_from_a_newer_build_is_refused_naming_both_versions()
    {
        Run($"PRAGMA user_version = {SqliteWorkflowStore.SchemaVersion + 1}");

        var error = Assert.Throws<WorkflowStoreException>(() => new SqliteWorkflowStore(Database));
        Assert.Contains(Database, error.Message, StringComparison.Ordinal);
        Assert.Contains($"schema version {SqliteWorkflowStore.SchemaVersion + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"reads up to version {SqliteWorkflowStore.SchemaVersion}", error.Message, StringComparison.Ordinal);
        Assert.Equal(SqliteWorkflowStore.SchemaVersion + 1, UserVersion()); // untouched
    }
}
