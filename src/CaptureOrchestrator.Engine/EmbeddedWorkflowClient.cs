using System.Runtime.CompilerServices;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Engine;

/// <summary>The client side of the port for the embedded engine (what the self-hosted HTTP API uses).</summary>
public sealed class EmbeddedWorkflowClient(EmbeddedWorkflowEngine engine, TimeProvider? time = null) : IWorkflowClient
{
    private static readonly TimeSpan CompletionPoll = TimeSpan.FromMilliseconds(50);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public Task<string> ScheduleNewWorkflowInstanceAsync(string workflowName, object? input = null, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(engine.Start(workflowName, input, options?.InstanceId, Now(options?.StartAt)));

    public Task<WorkflowMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        Task.FromResult(Shape(engine.GetInstance(instanceId), getInputsAndOutputs));

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default)
    {
        engine.RaiseEvent(instanceId, eventName, payload, Now(null));
        return Task.CompletedTask;
    }

    public Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default)
    {
        engine.Terminate(instanceId, output, Now(null));
        return Task.CompletedTask;
    }

    public Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Task.FromResult(engine.Purge(instanceId));

    public async IAsyncEnumerable<WorkflowMetadata> GetAllInstancesAsync(WorkflowQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new WorkflowQuery();
        foreach (WorkflowMetadata instance in engine.Query(query))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Shape(instance, query.FetchInputsAndOutputs)!;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async Task<WorkflowMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            WorkflowMetadata instance = engine.GetInstance(instanceId) ?? throw new InvalidOperationException($"no workflow instance '{instanceId}'");
            if (!instance.IsRunning)
            {
                return Shape(instance, getInputsAndOutputs)!;
            }

            await Task.Delay(CompletionPoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private DateTime Now(DateTimeOffset? startAt) => (startAt ?? _time.GetUtcNow()).UtcDateTime;

    private static WorkflowMetadata? Shape(WorkflowMetadata? instance, bool getInputsAndOutputs) =>
        instance is null || getInputsAndOutputs ? instance : instance with { SerializedInput = null, SerializedOutput = null };
}
