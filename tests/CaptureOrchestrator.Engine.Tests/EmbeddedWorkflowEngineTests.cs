using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Storage;

namespace CaptureOrchestrator.Engine.Tests;

public sealed class EmbeddedWorkflowEngineTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 21, 8, 0, 0, DateTimeKind.Utc);
    private readonly string _directory = Directory.CreateTempSubdirectory("co-engine-").FullName;

    private string Database => Path.Combine(_directory, "workflows.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Greet : Activity<string, string>
    {
        public static int Calls;

        public override Task<string> RunAsync(WorkflowActivityContext context, string input, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult("hello " + input);
        }
    }

    private sealed class Broken : Activity<string, string>
    {
        public override Task<string> RunAsync(WorkflowActivityContext context, string input, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("capture quota exceeded");
    }

    private sealed class Twice : Workflow<string, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, string input) =>
            await context.CallActivityAsync<string>("Greet", await context.CallActivityAsync<string>("Greet", input));
    }

    private sealed class UsesBroken : Workflow<string, string>
    {
        public override Task<string> RunAsync(IWorkflowContext context, string input) => context.CallActivityAsync<string>("Broken", input);
    }

    private sealed class Sleepy : Workflow<object?, DateTime>
    {
        public override async Task<DateTime> RunAsync(IWorkflowContext context, object? input)
        {
            await context.CreateTimer(TimeSpan.FromMinutes(5), CancellationToken.None);
            return context.CurrentUtcDateTime;
        }
    }

    private sealed class Waits : Workflow<object?, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, object? input)
        {
            await context.CallActivityAsync<string>("Greet", "x");
            return await context.WaitForExternalEvent<string>("approve");
        }
    }

    private sealed class Many : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int count) =>
            (await Task.WhenAll(Enumerable.Range(0, count).Select(i => context.CallActivityAsync<string>("Greet", i.ToString(System.Globalization.CultureInfo.InvariantCulture))))).Length;
    }

    private sealed class Rounds : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int round)
        {
            await context.CallActivityAsync<string>("Greet", "r");
            if (round < 3)
            {
                context.ContinueAsNew(round + 1);
            }

            return round;
        }
    }

    private static WorkflowRegistry Registry() => new WorkflowRegistry()
        .AddWorkflow("Twice", () => new Twice())
        .AddWorkflow("UsesBroken", () => new UsesBroken())
        .AddWorkflow("Sleepy", () => new Sleepy())
        .AddWorkflow("Waits", () => new Waits())
        .AddWorkflow("Many", () => new Many())
        .AddWorkflow("Rounds", () => new Rounds())
        .AddActivity("Greet", () => new Greet())
        .AddActivity("Broken", () => new Broken());

    private static async Task RunUntilIdle(EmbeddedWorkflowEngine engine, DateTime now)
    {
        for (int round = 0; round < 100 && await engine.RunOnce(now); round++)
        {
        }
    }

    [Fact]
    public async Task A_workflow_runs_to_completion()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("Twice", "x", "ticket-1", T0);

        await RunUntilIdle(engine, T0);

        WorkflowMetadata instance = engine.GetInstance(id)!;
        Assert.Equal(WorkflowRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(WorkflowSerializer.Serialize("hello hello x"), instance.SerializedOutput);
    }

    [Fact]
    public async Task An_instance_continues_after_the_engine_restarts()
    {
        string id;
        using (var first = new EmbeddedWorkflowEngine(Database, Registry()))
        {
            id = first.Start("Twice", "x", null, T0);
            await first.RunOnce(T0); // first step and first activity, then the process "dies"
            Assert.Equal(WorkflowRuntimeStatus.Running, first.GetInstance(id)!.RuntimeStatus);
        }

        using var second = new EmbeddedWorkflowEngine(Database, Registry());
        await RunUntilIdle(second, T0);
        Assert.Equal(WorkflowSerializer.Serialize("hello hello x"), second.GetInstance(id)!.SerializedOutput);
    }

    [Fact]
    public async Task Timers_survive_a_restart_and_fire_late_but_once()
    {
        string id;
        using (var first = new EmbeddedWorkflowEngine(Database, Registry()))
        {
            id = first.Start("Sleepy", null, null, T0);
            await RunUntilIdle(first, T0.AddMinutes(1));
            Assert.Equal(WorkflowRuntimeStatus.Running, first.GetInstance(id)!.RuntimeStatus);
        }

        DateTime late = T0.AddHours(2);
        using var second = new EmbeddedWorkflowEngine(Database, Registry());
        await RunUntilIdle(second, late);
        await RunUntilIdle(second, late.AddHours(1));

        WorkflowMetadata instance = second.GetInstance(id)!;
        Assert.Equal(WorkflowRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(WorkflowSerializer.Serialize(late), instance.SerializedOutput);
    }

    [Fact]
    public async Task An_event_raised_before_the_workflow_waits_is_delivered()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("Waits", null, null, T0);
        engine.RaiseEvent(id, "approve", "yes", T0);

        await RunUntilIdle(engine, T0);

        Assert.Equal(WorkflowSerializer.Serialize("yes"), engine.GetInstance(id)!.SerializedOutput);
    }

    [Fact]
    public async Task A_failing_activity_fails_the_instance_with_its_cause()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("UsesBroken", "x", null, T0);

        await RunUntilIdle(engine, T0);

        WorkflowMetadata instance = engine.GetInstance(id)!;
        Assert.Equal(WorkflowRuntimeStatus.Failed, instance.RuntimeStatus);
        Assert.Contains("'Broken' failed: System.InvalidOperationException: capture quota exceeded", instance.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_workflow_fails_its_instance_and_others_keep_running()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string unknown = engine.Start("NoSuchWorkflow", null, null, T0);
        string known = engine.Start("Twice", "y", null, T0);

        await RunUntilIdle(engine, T0);

        Assert.Equal("no workflow named 'NoSuchWorkflow' is registered", engine.GetInstance(unknown)!.FailureDetails!.ErrorMessage);
        Assert.Equal(WorkflowRuntimeStatus.Completed, engine.GetInstance(known)!.RuntimeStatus);
    }

    private sealed class CallsMissing : Workflow<object?, string>
    {
        public override Task<string> RunAsync(IWorkflowContext context, object? input) => context.CallActivityAsync<string>("NoSuchActivity");
    }

    [Fact]
    public async Task An_unknown_activity_fails_the_instance_with_its_name()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry().AddWorkflow("CallsMissing", () => new CallsMissing()));
        string id = engine.Start("CallsMissing", null, null, T0);

        await RunUntilIdle(engine, T0);

        Assert.Contains("no activity named 'NoSuchActivity' is registered", engine.GetInstance(id)!.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_that_does_not_deserialize_fails_the_instance_and_says_so()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string bad = engine.Start("Many", "not a number", null, T0);
        string good = engine.Start("Many", 3, null, T0);

        await RunUntilIdle(engine, T0);

        Assert.StartsWith("input of workflow Many is not a valid Int32", engine.GetInstance(bad)!.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(WorkflowRuntimeStatus.Completed, engine.GetInstance(good)!.RuntimeStatus);
    }

    [Fact]
    public async Task Starting_with_an_existing_id_is_idempotent()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        Greet.Calls = 0;
        engine.Start("Twice", "x", "same", T0);
        engine.Start("Twice", "x", "same", T0);

        await RunUntilIdle(engine, T0);

        Assert.Equal(2, Greet.Calls);
    }

    [Fact]
    public async Task Fan_out_of_two_hundred_activities()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("Many", 200, null, T0);

        await RunUntilIdle(engine, T0);

        Assert.Equal(WorkflowSerializer.Serialize(200), engine.GetInstance(id)!.SerializedOutput);
    }

    [Fact]
    public async Task Continue_as_new_restarts_with_new_input()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("Rounds", 1, null, T0);

        await RunUntilIdle(engine, T0);

        WorkflowMetadata instance = engine.GetInstance(id)!;
        Assert.Equal(WorkflowRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(WorkflowSerializer.Serialize(3), instance.SerializedOutput);
    }

    [Fact]
    public void A_database_locked_by_another_process_is_a_clear_startup_error()
    {
        using (var create = new EmbeddedWorkflowEngine(Database, Registry()))
        {
            create.Start("Twice", "x", null, T0);
        }

        using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database};Pooling=False");
        holder.Open();
        using (var exclusive = holder.CreateCommand())
        {
            exclusive.CommandText = "PRAGMA journal_mode=DELETE; BEGIN EXCLUSIVE;";
            exclusive.ExecuteNonQuery();
        }

        var error = Assert.Throws<WorkflowStoreException>(() => new EmbeddedWorkflowEngine(Database, Registry(), busyTimeout: TimeSpan.FromMilliseconds(200)));
        Assert.Contains(Database, error.Message, StringComparison.Ordinal);
        Assert.Contains("locked", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_naming_it()
    {
        File.WriteAllText(Database, "this is not an SQLite database, just text that is long enough to have a header");
        var error = Assert.Throws<WorkflowStoreException>(() => new EmbeddedWorkflowEngine(Database, Registry()));
        Assert.Contains(Database, error.Message, StringComparison.Ordinal);
    }
}
