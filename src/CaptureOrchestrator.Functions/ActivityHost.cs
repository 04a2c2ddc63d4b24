using System.Text.Json;
using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CaptureOrchestrator.Functions;

/// <summary>
/// Runs an activity of the port by name. The Azure clients and the activity table are built once;
/// only the workflow client (some activities start or signal workflows) is bound per invocation,
/// as Durable Functions hands it out.
/// </summary>
public sealed class ActivityHost
{
    private readonly InvocationWorkflowClient _workflows = new();
    private readonly WorkflowRegistry _registry;

    public ActivityHost(CaptureServices services)
        : this(workflows => new WorkflowRegistry().AddCaptureOrchestrator(services with { Workflows = workflows }))
    {
    }

    /// <param name="registryFor">The activities, given the workflow client they use (called once, with a client bound per invocation).</param>
    internal ActivityHost(Func<IWorkflowClient, WorkflowRegistry> registryFor) => _registry = registryFor(_workflows);

    public Task<object?> RunAsync(string name, JsonElement invocation, DurableTaskClient client, FunctionContext context) =>
        RunAsync(name, invocation, new DurableWorkflowClient(client), InstanceIdOf(context), context.CancellationToken);

    /// <param name="name">The activity.</param>
    /// <param name="invocation">An <see cref="ActivityInvocation"/> as the orchestration sent it.</param>
    /// <param name="workflows">The workflow client bound to this invocation.</param>
    /// <param name="instanceId">The calling orchestration.</param>
    /// <param name="cancellationToken">The host is shutting down.</param>
    /// <exception cref="InvalidOperationException">No activity of that name, or the input is not an invocation.</exception>
    internal async Task<object?> RunAsync(string name, JsonElement invocation, IWorkflowClient workflows, string instanceId, CancellationToken cancellationToken)
    {
        if (!_registry.TryCreateActivity(name, out IActivity activity))
        {
            throw new InvalidOperationException($"no activity named '{name}' is registered");
        }

        ActivityInvocation call = invocation.ValueKind == JsonValueKind.Object
            ? invocation.Deserialize<ActivityInvocation>(WorkflowSerializer.Options)!
            : throw new InvalidOperationException($"activity '{name}' was called without an invocation envelope ({invocation.ValueKind}); it is only called by the workflows of this app");
        object? typed = call.Input is JsonElement input && input.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null)
            ? input.Deserialize(activity.InputType, WorkflowSerializer.Options)
            : null;
        using (_workflows.Bind(workflows))
        {
            return await activity.RunAsync(new WorkflowActivityContext(name, instanceId, call.Attempt), typed, cancellationToken).ConfigureAwait(false);
        }
    }

    // Durable Functions puts the calling orchestration's id into the activity's binding data.
    private static string InstanceIdOf(FunctionContext context) =>
        context.BindingContext.BindingData.TryGetValue("instanceId", out object? id) ? id?.ToString() ?? string.Empty : string.Empty;
}
