using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;

namespace CaptureOrchestrator.Engine.Tests;

public sealed class ClientAndReplayCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("co-client-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Echo : Activity<string, string>
    {
        public override async Task<string> RunAsync(WorkflowActivityContext context, string input, CancellationToken cancellationToken)
        {
            await Task.Delay(5, cancellationToken);
            return input.ToUpperInvariant();
        }
    }

    private sealed class Shout : Workflow<string, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, string input)
        {
            context.SetCustomStatus(new { phase = "shouting" });
            string[] parts = await Task.WhenAll(input.Split(' ').Select(p => context.CallActivityAsync<string>("Echo", p)));
            return string.Join(' ', parts);
        }
    }

    private sealed class WaitsForever : Workflow<object?, string>
    {
        public override Task<string> RunAsync(IWorkflowContext context, object? input) => context.WaitForExternalEvent<string>("never");
    }

    /// <summary>Breaks the rules on purpose: branches on something other than the context.</summary>
    private sealed class Careless : Workflow<object?, string>
    {
        public static int Runs;

        public override Task<string> RunAsync(IWorkflowContext context, object? input) =>
            context.CallActivityAsync<string>(Interlocked.Increment(ref Runs) == 1 ? "Echo" : "Echo2", "x");
    }

    private WorkflowRegistry Registry() => new WorkflowRegistry()
        .AddWorkflow("Shout", () => new Shout())
        .AddWorkflow("WaitsForever", () => new WaitsForever())
        .AddWorkflow("Careless", () => new Careless())
        .AddActivity("Echo", () => new Echo())
        .AddActivity("Echo2", () => new Echo());

    [Fact]
    public async Task The_client_starts_and_awaits_instances_run_by_the_background_loop()
    {
        using var engine = new EmbeddedWorkflowEngine(Path.Combine(_directory, "w.db"), Registry());
        var client = new EmbeddedWorkflowClient(engine);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task loop = engine.RunAsync(stop.Token);

        string[] ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.ScheduleNewWorkflowInstanceAsync("Shout", $"capture number {i}", new StartWorkflowOptions($"op-{i}"))));
        WorkflowMetadata[] done = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, stop.Token)));

        Assert.All(done, d => Assert.Equal(WorkflowRuntimeStatus.Completed, d.RuntimeStatus));
        Assert.Equal(WorkflowSerializer.Serialize("CAPTURE NUMBER 7"), done[7].SerializedOutput);
        Assert.Equal(WorkflowSerializer.Serialize(new { phase = "shouting" }), done[7].SerializedCustomStatus);
        Assert.Equal(20, await client.GetAllInstancesAsync(new WorkflowQuery(InstanceIdPrefix: "op-")).CountAsync());

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task Listing_returns_every_match_page_by_page_with_the_filters_applied_before_paging()
    {
        using var engine = new EmbeddedWorkflowEngine(Path.Combine(_directory, "w.db"), Registry());
        var client = new EmbeddedWorkflowClient(engine);
        DateTime start = new(2026, 11, 21, 8, 0, 0, DateTimeKind.Utc);
        for (int i = 0; i < 250; i++)
        {
            engine.Start("WaitsForever", null, $"op-{i:D3}", start.AddSeconds(i / 2)); // pairs share a creation time
        }

        for (int i = 0; i < 250; i += 3)
        {
            await client.TerminateInstanceAsync($"op-{i:D3}");
        }

        engine.Start("WaitsForever", "input", "other-1", start);

        string[] all = await client.GetAllInstancesAsync(new WorkflowQuery(InstanceIdPrefix: "op-", PageSize: 7)).Select(i => i.InstanceId).ToArrayAsync();
        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"op-{i:D3}"), all);

        string[] terminated = await client.GetAllInstancesAsync(new WorkflowQuery(Statuses: [WorkflowRuntimeStatus.Terminated], PageSize: 10)).Select(i => i.InstanceId).ToArrayAsync();
        Assert.Equal(Enumerable.Range(0, 250).Where(i => i % 3 == 0).Select(i => $"op-{i:D3}"), terminated);

        WorkflowMetadata[] late = await client.GetAllInstancesAsync(new WorkflowQuery(CreatedFrom: start.AddSeconds(100), CreatedTo: start.AddSeconds(110))).ToArrayAsync();
        Assert.Equal(Enumerable.Range(200, 22).Select(i => $"op-{i:D3}"), late.Select(i => i.InstanceId));
        Assert.All(late, i => Assert.Null(i.SerializedInput));

        WorkflowMetadata other = Assert.Single(await client.GetAllInstancesAsync(new WorkflowQuery(InstanceIdPrefix: "other-", FetchInputsAndOutputs: true)).ToArrayAsync());
        Assert.Equal(WorkflowSerializer.Serialize("input"), other.SerializedInput);
    }

    [Fact]
    public async Task Terminate_then_purge()
    {
        using var engine = new EmbeddedWorkflowEngine(Path.Combine(_directory, "w.db"), Registry());
        var client = new EmbeddedWorkflowClient(engine);
        string id = await client.ScheduleNewWorkflowInstanceAsync("WaitsForever");
        await engine.RunOnce(DateTime.UtcNow);

        Assert.False(await client.PurgeInstanceAsync(id)); // still running: not purged
        await client.TerminateInstanceAsync(id, "operator cancelled");
        WorkflowMetadata terminated = (await client.GetInstanceAsync(id, getInputsAndOutputs: true))!;
        Assert.Equal(WorkflowRuntimeStatus.Terminated, terminated.RuntimeStatus);
        Assert.Equal(WorkflowSerializer.Serialize("operator cancelled"), terminated.SerializedOutput);

        Assert.True(await client.PurgeInstanceAsync(id));
        Assert.Null(await client.GetInstanceAsync(id));
    }

    [Fact]
    public async Task Recorded_histories_replay_identically()
    {
        using var engine = new EmbeddedWorkflowEngine(Path.Combine(_directory, "w.db"), Registry());
        string id = engine.Start("Shout", "a b c", null, DateTime.UtcNow);
        for (int i = 0; i < 10 && await engine.RunOnce(DateTime.UtcNow); i++)
        {
        }

        ReplayOutcome replayed = ReplayVerifier.Verify(new Shout(), id, engine.History(id), engine.GetInstance(id)!);
        Assert.Equal(WorkflowSerializer.Serialize("A B C"), replayed.SerializedOutput);
    }

    [Fact]
    public async Task The_replay_check_catches_a_non_deterministic_workflow()
    {
        using var engine = new EmbeddedWorkflowEngine(Path.Combine(_directory, "w.db"), Registry());
        Careless.Runs = 0;
        string id = engine.Start("Careless", null, null, DateTime.UtcNow);
        await engine.RunOnce(DateTime.UtcNow);

        var error = Assert.Throws<NonDeterministicWorkflowException>(() => ReplayVerifier.Verify(new Careless(), id, engine.History(id), engine.GetInstance(id)!));
        Assert.Contains("step 0 is activity 'Echo' in the history but activity 'Echo2' in the code", error.Message, StringComparison.Ordinal);
    }
}
