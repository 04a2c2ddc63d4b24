using System.Text.Json;
using CaptureOrchestrator.Activities.Capture;
using CaptureOrchestrator.Functions.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CaptureOrchestrator.Functions.Triggers;

/// <summary>
/// On Azure, Event Grid delivers BlobCreated for the capture account into a storage queue (no
/// webhook handshake, so infrastructure can be provisioned before the code is deployed); each
/// message is one event in the Event Grid schema. Routing is the same code as the webhook's.
/// </summary>
public static class BlobCreatedQueueTrigger
{
    [Function("RouteBlobCreated")]
    public static async Task Run(
        [QueueTrigger("%CaptureOrchestrator__BlobCreatedQueue%", Connection = "CaptureQueue")] string message,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        using JsonDocument gridEvent = JsonDocument.Parse(message);
        if (gridEvent.RootElement.TryGetProperty("data", out JsonElement data))
        {
            await BlobCreatedRouter.RouteAsync(new DurableWorkflowClient(client), data, context.CancellationToken).ConfigureAwait(false);
        }
    }
}
