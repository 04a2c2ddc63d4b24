using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine;
using CaptureOrchestrator.Engine.Replay;

namespace CaptureOrchestrator.Functions.Tests.Engines;

/// <summary>
/// The embedded engine as the self-hosted server runs it: a private in-memory SQLite store, its
/// dispatch loop on real time, and its own client.
/// </summary>
public sealed class EmbeddedEngine : IWorkflowEngine
{
    private readonly EmbeddedWorkflowEngine _engine;
    private readonly WorkflowRegistry _registry;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private EmbeddedEngine(EngineSetup setup)
    {
        _registry = new WorkflowRegistry();
        foreach ((string name, Func<IWorkflow> create) in setup.Workflows)
        {
            _registry.AddWorkflow(name, create);
        }

        _engine = new EmbeddedWorkflowEngine(":memory:", _registry);
        Client = new EmbeddedWorkflowClient(_engine);
        foreach ((string name, Script script) in setup.Activities)
        {
            _registry.AddActivity(name, () => new ScriptedActivity(name, script, setup.Log, Client));
        }

        _loop = Task.Run(() => _engine.RunAsync(_stop.Token));
    }

    public string Name => "embedded engine";

    public IWorkflowClient Client { get; }

    public static Task<IWorkflowEngine> StartAsync(EngineSetup setup) => Task.FromResult<IWorkflowEngine>(new EmbeddedEngine(setup));

    /// <summary>Replays every recorded history (sub-workflows too) and requires the recorded outcome: the workflows are deterministic.</summary>
    /// <exception cref="NonDeterministicWorkflowException">A replay diverged.</exception>
    public void VerifyReplays()
    {
        foreach (WorkflowMetadata instance in _engine.Query(new WorkflowQuery(FetchInputsAndOutputs: true)).Where(i => !i.IsRunning))
        {
            Assert.True(_registry.TryCreateWorkflow(instance.Name, out IWorkflow workflow));
            ReplayVerifier.Verify(workflow, instance.InstanceId, _engine.History(instance.InstanceId), instance);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _engine.Dispose();
    }
}
