using System.Text.Json;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Functions.Tests.Engines;

/// <summary>One activity call as a script sees it.</summary>
/// <param name="Activity">The activity's name.</param>
/// <param name="Input">Its input as the workflow sent it.</param>
/// <param name="Attempt">The attempt the host reports (1, then 2 for the first retry, ...).</param>
/// <param name="Call">How many times this activity has been called in this run, this call included.</param>
/// <param name="InstanceId">The calling workflow instance.</param>
/// <param name="Workflows">The engine's client: a script raises events through it, as BlobCreated routing or the cancel endpoint would.</param>
public sealed record ScriptedCall(string Activity, JsonElement Input, int Attempt, int Call, string InstanceId, IWorkflowClient Workflows)
{
    public T Read<T>() => Input.Deserialize<T>(WorkflowSerializer.Options)!;

    public Task RaiseAsync(string eventName, object? payload) => Workflows.RaiseEventAsync(InstanceId, eventName, payload);
}

/// <summary>What a scripted activity does for one call: returns its result, or throws to fail the activity.</summary>
public delegate Task<object?> Script(ScriptedCall call);

/// <summary>An activity call as recorded, for comparing the two engines.</summary>
public sealed record RecordedCall(string Activity, string Input, int Attempt);

/// <summary>Every activity call of one run, in the order the activities ran.</summary>
public sealed class CallLog
{
    private readonly List<RecordedCall> _calls = [];

    public IReadOnlyList<RecordedCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return _calls.ToArray();
            }
        }
    }

    /// <returns>How many times <paramref name="activity"/> has been called, this call included.</returns>
    internal int Record(string activity, JsonElement input, int attempt)
    {
        lock (_calls)
        {
            _calls.Add(new RecordedCall(activity, input.ValueKind == JsonValueKind.Undefined ? "null" : input.GetRawText(), attempt));
            return _calls.Count(c => c.Activity == activity);
        }
    }
}

/// <summary>A port activity that records its call and runs a script: the same class on both engines.</summary>
internal sealed class ScriptedActivity(string name, Script script, CallLog log, IWorkflowClient workflows) : IActivity
{
    public Type InputType => typeof(JsonElement);

    public async Task<object?> RunAsync(WorkflowActivityContext context, object? input, CancellationToken cancellationToken)
    {
        JsonElement json = input is JsonElement element ? element : default;
        int call = log.Record(name, json, context.Attempt);
        return await script(new ScriptedCall(name, json, context.Attempt, call, context.InstanceId, workflows)).ConfigureAwait(false);
    }
}
