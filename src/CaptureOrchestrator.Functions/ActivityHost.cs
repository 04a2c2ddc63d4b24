using System.Text.Json;
using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CaptureOrchestrator.Functions;

/// <summary>
/// Runs an activity of the port by name. The Azure clients are built once; only the workflow client
/// (some activities start or signal workflows) is bound per invocation, as Durable Functions hands it out.
/// </summary>
public sealed class ActivityHost(CaptureServices services)
{
    public async Task<object?> RunAsync(string name, JsonElement input, DurableTaskClient client, FunctionContext context)
    {
        WorkflowRegistry registry = new WorkflowRegistry().AddCaptureOrchestrator(services with { Workflows = new DurableWorkflowClient(client) });
        if (!registry.TryCreateActivity(name, out IActivity activity))
        {
            throw new InvalidOperationException($"no activity named '{name}' is registered");
        }

        object? typed = input.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
            ? null
            : input.Deserialize(activity.InputType, WorkflowSerializer.Options);
        string instanceId = context.BindingContext.BindingData.TryGetValue("instanceId", out object? id) ? id?.ToString() ?? string.Empty : string.Empty;
        return await activity.RunAsync(new WorkflowActivityContext(name, instanceId, Attempt: 1), typed, context.CancellationToken).ConfigureAwait(false);
    }
}
