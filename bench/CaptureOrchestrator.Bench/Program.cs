using System.Diagnostics;
using System.Globalization;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine;

// Embedded engine throughput: N concurrent instances of a workflow of S sequential no-op
// activities, then one workflow fanning out to F activities. Reports activity steps per second,
// step latency (activity scheduled → its result recorded, wall clock) and the database size.
int instances = Arg("--instances", 1000);
int steps = Arg("--steps", 10);
int fanOut = Arg("--fan-out", 500);
string directory = Directory.CreateTempSubdirectory("co-engine-bench-").FullName;
try
{
    Report("sequential", await Run(Path.Combine(directory, "sequential.db"), "Sequence", instances, steps));
    Report("fan-out", await Run(Path.Combine(directory, "fanout.db"), "FanOut", 1, fanOut));
}
finally
{
    Directory.Delete(directory, recursive: true);
}

return 0;

int Arg(string name, int fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static async Task<Result> Run(string database, string workflow, int count, int size)
{
    var registry = new WorkflowRegistry()
        .AddWorkflow("Sequence", () => new Sequence())
        .AddWorkflow("FanOut", () => new FanOut())
        .AddActivity("Noop", () => new Noop());
    using var engine = new EmbeddedWorkflowEngine(database, registry);
    var client = new EmbeddedWorkflowClient(engine);
    using var stop = new CancellationTokenSource();
    var clock = Stopwatch.StartNew();
    Task loop = engine.RunAsync(stop.Token);
    string[] ids = new string[count];
    for (int i = 0; i < count; i++)
    {
        ids[i] = await client.ScheduleNewWorkflowInstanceAsync(workflow, size, new StartWorkflowOptions($"{workflow}-{i}"));
    }

    WorkflowMetadata[] done = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, true)));
    double seconds = clock.Elapsed.TotalSeconds;
    await stop.CancelAsync();
    await loop;

    int completed = done.Count(d => d.RuntimeStatus == WorkflowRuntimeStatus.Completed && d.SerializedOutput == size.ToString(CultureInfo.InvariantCulture));
    long bytes = new FileInfo(database).Length + (File.Exists(database + "-wal") ? new FileInfo(database + "-wal").Length : 0);
    return new Result(count, count * size, completed, seconds, StepLatencies(engine, ids), bytes);
}

static List<double> StepLatencies(EmbeddedWorkflowEngine engine, string[] ids)
{
    // The history timestamps are the engine's wall clock: scheduled → completed per activity.
    var samples = new List<double>();
    foreach (string id in ids)
    {
        var scheduled = new Dictionary<int, DateTime>();
        foreach (var e in engine.History(id))
        {
            switch (e)
            {
                case CaptureOrchestrator.Engine.Replay.ActivityScheduled s:
                    scheduled[s.TaskId] = s.Timestamp;
                    break;
                case CaptureOrchestrator.Engine.Replay.ActivityCompleted c when scheduled.TryGetValue(c.TaskId, out DateTime at):
                    samples.Add((c.Timestamp - at).TotalMilliseconds);
                    break;
            }
        }
    }

    samples.Sort();
    return samples;
}

static void Report(string name, Result r)
{
    double Percentile(double p) => r.Latencies.Count == 0 ? 0 : r.Latencies[Math.Min(r.Latencies.Count - 1, (int)(p * r.Latencies.Count))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-11} instances {r.Instances,5}  steps {r.Steps,6}  completed correctly {r.Completed,5}/{r.Instances}  {r.Seconds,6:0.00} s  {r.Steps / r.Seconds,7:0} steps/s  step latency p50 {Percentile(0.50),6:0.0} ms  p99 {Percentile(0.99),7:0.0} ms  database {r.Bytes / 1048576.0:0.0} MiB"));
}

internal sealed record Result(int Instances, int Steps, int Completed, double Seconds, List<double> Latencies, long Bytes);

internal sealed class Noop : Activity<int, int>
{
    public override Task<int> RunAsync(WorkflowActivityContext context, int input, CancellationToken cancellationToken) => Task.FromResult(input + 1);
}

internal sealed class Sequence : Workflow<int, int>
{
    public override async Task<int> RunAsync(IWorkflowContext context, int steps)
    {
        int value = 0;
        for (int i = 0; i < steps; i++)
        {
            value = await context.CallActivityAsync<int>("Noop", value);
        }

        return value;
    }
}

internal sealed class FanOut : Workflow<int, int>
{
    public override async Task<int> RunAsync(IWorkflowContext context, int count) =>
        (await Task.WhenAll(Enumerable.Range(0, count).Select(_ => context.CallActivityAsync<int>("Noop", 0)))).Sum();
}
