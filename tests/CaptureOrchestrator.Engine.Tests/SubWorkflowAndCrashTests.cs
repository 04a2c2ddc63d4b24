using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Storage;

namespace CaptureOrchestrator.Engine.Tests;

public sealed class SubWorkflowAndCrashTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 21, 8, 0, 0, DateTimeKind.Utc);
    private readonly string _directory = Directory.CreateTempSubdirectory("co-sub-").FullName;

    private string Database => Path.Combine(_directory, "w.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Count : Activity<int, int>
    {
        public static int Effects;

        public override Task<int> RunAsync(WorkflowActivityContext context, int input, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Effects);
            return Task.FromResult(input + 1);
        }
    }

    private sealed class Fails : Activity<int, int>
    {
        public override Task<int> RunAsync(WorkflowActivityContext context, int input, CancellationToken cancellationToken) =>
            throw new TimeoutException("gateway did not answer");
    }

    private sealed class Child : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int input) => await context.CallActivityAsync<int>("Count", input);
    }

    private sealed class FailingChild : Workflow<int, int>
    {
        public override Task<int> RunAsync(IWorkflowContext context, int input) => context.CallActivityAsync<int>("Fails", input);
    }

    private sealed class Parent : Workflow<string, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, string child)
        {
            try
            {
                int result = await context.CallSubWorkflowAsync<int>(child, $"{context.InstanceId}-child", 41);
                return $"child returned {result}";
            }
            catch (WorkflowTaskFailedException failed)
            {
                return $"child failed: {failed.FailureDetails.ErrorMessage}";
            }
        }
    }

    /// <summary>Several kinds of step: activities in sequence, a fan-out, a timer.</summary>
    private sealed class Long : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int input)
        {
            int value = await context.CallActivityAsync<int>("Count", input);
            value = await context.CallActivityAsync<int>("Count", value);
            int[] fan = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => context.CallActivityAsync<int>("Count", value + i)));
            await context.CreateTimer(TimeSpan.FromSeconds(30), CancellationToken.None);
            return await context.CallActivityAsync<int>("Count", fan.Sum());
        }
    }

    private static WorkflowRegistry Registry() => new WorkflowRegistry()
        .AddWorkflow("Parent", () => new Parent())
        .AddWorkflow("Child", () => new Child())
        .AddWorkflow("FailingChild", () => new FailingChild())
        .AddWorkflow("Long", () => new Long())
        .AddActivity("Count", () => new Count())
        .AddActivity("Fails", () => new Fails());

    private static async Task RunUntilIdle(EmbeddedWorkflowEngine engine, DateTime now)
    {
        for (int round = 0; round < 100 && await engine.RunOnce(now); round++)
        {
        }
    }

    [Fact]
    public async Task A_sub_workflow_returns_its_result_to_the_parent()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("Parent", "Child", "p1", T0);

        await RunUntilIdle(engine, T0);

        Assert.Equal(WorkflowSerializer.Serialize("child returned 42"), engine.GetInstance(id)!.SerializedOutput);
        Assert.Equal(WorkflowRuntimeStatus.Completed, engine.GetInstance("p1-child")!.RuntimeStatus);
    }

    [Fact]
    public async Task A_failing_sub_workflow_surfaces_in_the_parent()
    {
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("Parent", "FailingChild", "p2", T0);

        await RunUntilIdle(engine, T0);

        Assert.Contains("gateway did not answer", engine.GetInstance(id)!.SerializedOutput, StringComparison.Ordinal);
        Assert.Equal(WorkflowRuntimeStatus.Failed, engine.GetInstance("p2-child")!.RuntimeStatus);
    }

    [Fact]
    public async Task A_restart_between_every_round_changes_nothing()
    {
        int expected;
        using (var reference = new EmbeddedWorkflowEngine(Path.Combine(_directory, "reference.db"), Registry()))
        {
            string id = reference.Start("Long", 1, "ref", T0);
            await RunUntilIdle(reference, T0);
            await RunUntilIdle(reference, T0.AddMinutes(1));
            expected = int.Parse(reference.GetInstance(id)!.SerializedOutput!, System.Globalization.CultureInfo.InvariantCulture);
        }

        Count.Effects = 0;
        using (var starter = new EmbeddedWorkflowEngine(Database, Registry()))
        {
            starter.Start("Long", 1, "crashy", T0);
        }

        DateTime now = T0;
        for (int round = 0; round < 40; round++)
        {
            using var engine = new EmbeddedWorkflowEngine(Database, Registry()); // a new process each round
            await engine.RunOnce(now);
            now = now.AddSeconds(5);
        }

        using var final = new EmbeddedWorkflowEngine(Database, Registry());
        WorkflowMetadata instance = final.GetInstance("crashy")!;
        Assert.Equal(WorkflowRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(expected, int.Parse(instance.SerializedOutput!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(8, Count.Effects); // 2 + 5 + 1 activities: each applied once when no worker dies mid-activity
    }

    [Fact]
    public async Task An_activity_whose_worker_died_runs_again_after_its_lease_and_is_recorded_once()
    {
        Count.Effects = 0;
        using var engine = new EmbeddedWorkflowEngine(Database, Registry());
        string id = engine.Start("Child", 1, "c", T0);
        Assert.True(engine.RunWorkflowSteps(T0)); // the activity is now queued

        using (var worker = new SqliteWorkflowStore(Database))
        {
            Assert.NotNull(worker.LeaseActivity(T0, TimeSpan.FromMinutes(5))); // a worker takes it ... and dies
        }

        Assert.False(await engine.RunActivities(T0.AddMinutes(1))); // still leased by the dead worker
        Assert.Equal(0, Count.Effects);

        Assert.True(await engine.RunActivities(T0.AddMinutes(6))); // lease expired: runs again
        await RunUntilIdle(engine, T0.AddMinutes(6));

        Assert.Equal(1, Count.Effects);
        Assert.Equal(WorkflowSerializer.Serialize(2), engine.GetInstance(id)!.SerializedOutput);
        Assert.Single(engine.History(id), e => e is Replay.ActivityCompleted);
    }
}
