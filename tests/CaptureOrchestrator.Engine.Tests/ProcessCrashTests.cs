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

    private Process StartWorker(string database, string effects)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "CaptureOrchestrator.Bench.dll"), "crash-worker", database, effects, Instances.ToString(System.Globalization.CultureInfo.InvariantCulture) })
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
}
