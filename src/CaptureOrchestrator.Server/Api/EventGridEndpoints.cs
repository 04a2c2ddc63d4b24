using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Core.Capture;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Server.Api;

/// <summary>
/// POST /api/events/blobcreated?code=KEY: Event Grid (BlobCreated) tells the waiting workflow its
/// capture file has arrived, so it does not wait for the next poll. Polling still works without it.
/// </summary>
internal static class EventGridEndpoints
{
    private static readonly string[] CommittedApis = ["PutBlob", "PutBlockList", "CopyBlob", "FlushWithClose"];

    public static void Map(IEndpointRouteBuilder api) => api.MapPost("/events/blobcreated", ReceiveAsync);

    private static async Task<IResult> ReceiveAsync(HttpContext http, string? code, Composition composition)
    {
        string? key = composition.Settings.Api.EventGridKey;
        if (key is null || code is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(code)))
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Event Grid key required", type: "https://captureorchestrator.dev/problems/unauthorized");
        }

        using JsonDocument events = await JsonDocument.ParseAsync(http.Request.Body);
        if (events.RootElement.ValueKind != JsonValueKind.Array)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Expected an array of Event Grid events");
        }

        foreach (JsonElement e in events.RootElement.EnumerateArray())
        {
            string? type = e.TryGetProperty("eventType", out JsonElement t) ? t.GetString() : null;
            if (type == "Microsoft.EventGrid.SubscriptionValidationEvent")
            {
                return Results.Ok(new { validationResponse = e.GetProperty("data").GetProperty("validationCode").GetString() });
            }

            if (type == "Microsoft.Storage.BlobCreated" && e.TryGetProperty("data", out JsonElement data))
            {
                await RouteAsync(data, composition);
            }
        }

        return Results.Ok();
    }

    /// <summary>Gateway and firewall files land in the target's own container, co-{operation}-{index}: that names the waiter.</summary>
    private static async Task RouteAsync(JsonElement data, Composition composition)
    {
        string? api = data.TryGetProperty("api", out JsonElement a) ? a.GetString() : null;
        string? url = data.TryGetProperty("url", out JsonElement u) ? u.GetString() : null;
        long length = data.TryGetProperty("contentLength", out JsonElement l) && l.TryGetInt64(out long n) ? n : 0;
        if (url is null || !CommittedApis.Contains(api) || !Uri.TryCreate(url, UriKind.Absolute, out Uri? blob))
        {
            return;
        }

        string[] segments = blob.AbsolutePath.Trim('/').Split('/');
        string? container = segments.FirstOrDefault(s => s.StartsWith(CaptureNames.Prefix, StringComparison.Ordinal));
        int dash = container?.LastIndexOf('-') ?? -1;
        if (container is null || dash <= CaptureNames.Prefix.Length
            || !int.TryParse(container[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return;
        }

        string operationId = container[CaptureNames.Prefix.Length..dash];
        if (await composition.Client.GetInstanceAsync(operationId) is { IsRunning: true })
        {
            await composition.Client.RaiseEventAsync(operationId, PacketCaptureWorkflow.FileCreatedEvent(index), new CaptureFile(url, length));
        }
    }
}
