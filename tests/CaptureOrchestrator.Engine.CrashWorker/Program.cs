using System.Diagnostics;
using System.Globalization;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine;

// The engine's crash tests run this as a separate process and kill it (ProcessCrashTests):
//   crash-worker DATABASE EFFECTS N   run N instances until all complete; the test kills it at random moments
//   one-step-worker DATABASE EFFECTS  take exactly one step, then die (SIGKILL) before doing anything else
if (args.Length >= 4 && args[0] == "crash-worker")
{
    return await CrashWorker.Run(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
}

if (args.Length >= 3 && args[0] == "one-step-worker")
{
    return await CrashWorker.RunOneStepThenDie(args[1], args[2]);
}

Console.Error.WriteLine("usage: crash-worker DATABASE EFFECTS N | one-step-worker DATABASE EFFECTS");
return 2;

internal static class CrashWorker
{
    public static async Task<int> Run(string database, string effects, int instances)
    {
        var registry = new WorkflowRegistry()
            .AddWorkflow("Crashy", () => new Crashy())
            .AddActivity("Effect", () => new Effect(effects));
        using var engine = new EmbeddedWorkflowEngine(database, registry) { MaxConcurrentActivities = 4 };
        for (int i = 0; i < instances; i++)
        {
            engine.Start("Crashy", i, $"crash-{i}", DateTime.UtcNow);
        }

        using var stop = new CancellationTokenSource();
        Task loop = engine.RunAsync(stop.Token);
        while (engine.GetStatistics(DateTime.UtcNow).InstancesByStatus.Where(p => p.Key is WorkflowRuntimeStatus.Pending or WorkflowRuntimeStatus.Running).Sum(p => p.Value) > 0)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await loop;
        return 0;
    }

    /// <summary>
    /// Takes one workflow step or one activity run and kills its own process right after it is
    /// committed; an activity also kills the process once per step after applying its effect and
    /// before its result is recorded. Exits 0 only when there is nothing left to do.
    /// </summary>
    public static async Task<int> RunOneStepThenDie(string database, string effects)
    {
        var registry = new WorkflowRegistry()
            .AddWorkflow("Crashy", () => new Crashy())
            .AddActivity("Effect", () => new Effect(effects, dieOnceAfterEffect: true));
        using var engine = new EmbeddedWorkflowEngine(database, registry);
        if (engine.GetInstance("crash-0") is null)
        {
            engine.Start("Crashy", 0, "crash-0", DateTime.UtcNow);
        }

        if (engine.RunWorkflowSteps(DateTime.UtcNow) || await engine.RunActivities(DateTime.UtcNow))
        {
            Die();
        }

        return 0;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Die()
    {
        Process.GetCurrentProcess().Kill(); // SIGKILL: no finally blocks, no Dispose
        Thread.Sleep(Timeout.Infinite); // the signal is asynchronous: commit nothing while it lands
        throw new UnreachableException();
    }

    private sealed record Step(int Instance, int Index, int Value);

    private sealed class Crashy : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int instance)
        {
            int value = instance;
            for (int i = 0; i < 10; i++)
            {
                value = await context.CallActivityAsync<int>("Effect", new Step(instance, i, value));
            }

            return value;
        }
    }

    private sealed class Effect(string effects, bool dieOnceAfterEffect = false) : Activity<Step, int>
    {
        private static readonly Lock FileGate = new();

        public override async Task<int> RunAsync(WorkflowActivityContext context, Step step, CancellationToken cancellationToken)
        {
            lock (FileGate)
            {
                // Activities run in parallel: one writer at a time, or lines interleave.
                File.AppendAllText(effects, $"{step.Instance}:{step.Index}\n");
            }

            string diedHere = $"{effects}.died-{step.Instance}-{step.Index}";
            if (dieOnceAfterEffect && !File.Exists(diedHere))
            {
                File.WriteAllText(diedHere, "");
                Die();
            }

            await Task.Delay(2, cancellationToken);
            return step.Value + 1;
        }
    }
}
