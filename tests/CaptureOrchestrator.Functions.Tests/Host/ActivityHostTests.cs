using System.Text.Json;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Durable;

namespace CaptureOrchestrator.Functions.Tests.Host;

/// <summary>
/// The activity table is built once per host; the workflow client Durable Functions hands each
/// invocation is the one its activity uses, and only for that invocation.
/// </summary>
public sealed class ActivityHostTests
{
    private const string Name = "PurgeProbe";

    private static JsonElement Invocation(int attempt) => JsonSerializer.SerializeToElement(new ActivityInvocation(attempt, null), WorkflowSerializer.Options);

    [Fact]
    public async Task The_table_is_built_once_and_each_invocation_uses_its_own_client()
    {
        int built = 0;
        IWorkflowClient? seen = null;
        var host = new ActivityHost(workflows =>
        {
            built++;
            seen = workflows;
            return new WorkflowRegistry().AddActivity(Name, () => new PurgeProbe(workflows));
        });

        object? first = await host.RunAsync(Name, Invocation(1), new MarkerClient(answer: true), "wf-1", CancellationToken.None);
        object? second = await host.RunAsync(Name, Invocation(2), new MarkerClient(answer: false), "wf-2", CancellationToken.None);

        Assert.Equal(1, built);
        Assert.Equal("wf-1 attempt 1: True", first);
        Assert.Equal("wf-2 attempt 2: False", second);

        // Outside an invocation the activities' client is bound to nothing, and says so.
        InvalidOperationException unbound = await Assert.ThrowsAsync<InvalidOperationException>(() => seen!.PurgeInstanceAsync("x"));
        Assert.Contains("bound per function invocation", unbound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_activity_is_refused_by_name()
    {
        var host = new ActivityHost(_ => new WorkflowRegistry());
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.RunAsync("Nope", Invocation(1), new MarkerClient(true), "wf", CancellationToken.None));
        Assert.Contains("'Nope'", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Asks its workflow client a question whose answer tells which client it was.</summary>
    private sealed class PurgeProbe(IWorkflowClient workflows) : IActivity
    {
        public Type InputType => typeof(JsonElement);

        public async Task<object?> RunAsync(WorkflowActivityContext context, object? input, CancellationToken cancellationToken) =>
            $"{context.InstanceId} attempt {context.Attempt}: {await workflows.PurgeInstanceAsync("probe", cancellationToken)}";
    }

    private sealed class MarkerClient(bool answer) : IWorkflowClient
    {
        public Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) => Task.FromResult(answer);

        public Task<string> ScheduleNewWorkflowInstanceAsync(string workflowName, object? input = null, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<WorkflowMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<WorkflowMetadata> GetAllInstancesAsync(WorkflowQuery? query = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<WorkflowMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
