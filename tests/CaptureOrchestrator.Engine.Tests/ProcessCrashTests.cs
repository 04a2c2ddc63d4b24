using System.Diagnostics;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;

namespace CaptureOrchestrator.Engine.Tests;

/// <summary>
/// Kills a real engine process at random moments, restarts it, and checks that every instance
/// completes exactly as without the crashes: each activity's effect applied at least once, its
/// result recorded once.
/// </summary>
public sealed class ProcessCrashTests : IDisposable
{
    private const int Instances = 12;
    private readonly string _directory = Directory.CreateTempSubdirectory("co-crash-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Process StartWorker(string database, string effects) =>
        StartWorker("crash-worker", database, effects, Instances.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static Process StartWorker(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CaptureOrchestrator.Engine.CrashWorker.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    [Fact]
    public async Task Instances_complete_correctly_through_repeated_kills()
    {
        string database = Path.Combine(_directory, "crash.db");
        string effects = Path.Combine(_directory, "effects.txt");
        var random = new Random(20261121);
        for (int kill = 0; kill < 6; kill++)
        {
            using Process worker = StartWorker(database, effects);
            await Task.Delay(random.Next(250, 900));
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }

            await worker.WaitForExitAsync();
        }

        using (Process finisher = StartWorker(database, effects))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await finisher.WaitForExitAsync(timeout.Token);
            Assert.True(finisher.ExitCode == 0, await finisher.StandardError.ReadToEndAsync());
        }

        using var engine = new EmbeddedWorkflowEngine(database, new WorkflowRegistry());
        string[] applied = File.ReadAllLines(effects);
        for (int i = 0; i < Instances; i++)
        {
            WorkflowMetadata instance = engine.GetInstance($"crash-{i}")!;
            Assert.Equal(WorkflowRuntimeStatus.Completed, instance.RuntimeStatus);
            Assert.Equal(WorkflowSerializer.Serialize(i + 10), instance.SerializedOutput);

            IReadOnlyList<HistoryEvent> history = engine.History($"crash-{i}");
            Assert.Equal(10, history.OfType<ActivityCompleted>().Count()); // each result recorded once
            Assert.Equal(10, history.OfType<ActivityCompleted>().Select(c => c.TaskId).Distinct().Count());
            for (int step = 0; step < 10; step++)
            {
                Assert.Contains($"{i}:{step}", applied); // each effect applied at least once
            }
        }
    }

    [Fact]
    public async Task Killing_the_process_between_every_pair_of_steps_changes_nothing()
    {
        // Each process takes exactly one step (a workflow step or an activity run, committed) and is
        // SIGKILLed; each activity also kills its process once after its effect, before its result is
        // recorded. A 10-activity workflow: 11 workflow steps + 10 activity runs that die mid-way +
        // 10 that complete = 31 kills, then one process that finds nothing to do.
        string database = Path.Combine(_directory, "one-step.db");
        string effects = Path.Combine(_directory, "one-step-effects.txt");
        int kills = 0;
        while (true)
        {
            using Process worker = StartWorker("one-step-worker", database, effects);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await worker.WaitForExitAsync(timeout.Token);
            if (worker.ExitCode == 0)
            {
                break;
            }

            Assert.True(worker.ExitCode == 137, $"worker failed ({worker.ExitCode}): {await worker.StandardError.ReadToEndAsync()}");
            Assert.True(++kills <= 31, "the workflow needed more steps than it has: a step was lost or repeated");
        }

        Assert.Equal(31, kills);
        using var engine = new EmbeddedWorkflowEngine(database, new WorkflowRegistry());
        WorkflowMetadata instance = engine.GetInstance("crash-0")!;
        Assert.Equal(WorkflowRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(WorkflowSerializer.Serialize(10), instance.SerializedOutput);
        IReadOnlyList<HistoryEvent> history = engine.History("crash-0");
        Assert.Equal(10, history.OfType<ActivityCompleted>().Select(c => c.TaskId).Distinct().Count());
        Assert.Equal(10, history.OfType<ActivityCompleted>().Count());

        // Effects: every step applied twice (once by the process that died after it, once by the retry).
        string[] applied = File.ReadAllLines(effects);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(step => new[] { $"0:{step}", $"0:{step}" }), applied);
    }
}
