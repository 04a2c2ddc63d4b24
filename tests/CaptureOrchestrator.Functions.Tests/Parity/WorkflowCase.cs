using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Tests.Engines;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>
/// One scripted run of a workflow: what it is given, what its activities answer, and what must hold
/// of the result. The same case runs on both engines; <see cref="Check"/> holds on each run.
/// </summary>
/// <param name="Name">Shown in the test name; also the instance id.</param>
/// <param name="Workflow">The workflow to start.</param>
/// <param name="Input">The input, given the real time at which the run starts (timers run on real time).</param>
/// <param name="Activities">Scripted activities by name.</param>
/// <param name="Check">What must hold of each engine's run.</param>
/// <param name="Timeout">How long the run may take.</param>
public sealed record WorkflowCase(
    string Name,
    string Workflow,
    Func<DateTime, object?> Input,
    IReadOnlyDictionary<string, Script> Activities,
    Action<EngineRun> Check,
    TimeSpan Timeout)
{
    public string InstanceId => "case-" + Name;

    public override string ToString() => Name;
}

/// <summary>What one engine produced for a case.</summary>
/// <param name="Engine">Which engine.</param>
/// <param name="Instance">The instance once it stopped running (inputs, output and custom status fetched).</param>
/// <param name="Calls">Every activity call, in the order they ran.</param>
/// <param name="StartedAt">When the case started the instance.</param>
/// <param name="Took">How long until it stopped running.</param>
public sealed record EngineRun(string Engine, WorkflowMetadata Instance, IReadOnlyList<RecordedCall> Calls, DateTime StartedAt, TimeSpan Took)
{
    public T Output<T>() => (T)WorkflowSerializer.Deserialize(Instance.SerializedOutput, typeof(T), "output")!;

    public T CustomStatus<T>() => (T)WorkflowSerializer.Deserialize(Instance.SerializedCustomStatus, typeof(T), "custom status")!;

    public RecordedCall[] CallsTo(string activity) => Calls.Where(c => c.Activity == activity).ToArray();

    public override string ToString() => $"{Engine}: {Instance.RuntimeStatus} after {Took.TotalSeconds:F1} s";
}
