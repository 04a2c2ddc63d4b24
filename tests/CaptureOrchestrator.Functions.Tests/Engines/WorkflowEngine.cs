using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Functions.Tests.Engines;

/// <summary>What both engines are given: the workflows by name and the scripted activities.</summary>
public sealed record EngineSetup(IReadOnlyDictionary<string, Func<IWorkflow>> Workflows, IReadOnlyDictionary<string, Script> Activities, CallLog Log)
{
    /// <summary>The scripted activities as a registry of the port, bound to one engine's client.</summary>
    public WorkflowRegistry ActivityRegistry(IWorkflowClient workflows)
    {
        var registry = new WorkflowRegistry();
        foreach ((string name, Script script) in Activities)
        {
            registry.AddActivity(name, () => new ScriptedActivity(name, script, Log, workflows));
        }

        return registry;
    }
}

/// <summary>A running engine that the same case can be driven through.</summary>
public interface IWorkflowEngine : IAsyncDisposable
{
    string Name { get; }

    IWorkflowClient Client { get; }
}
