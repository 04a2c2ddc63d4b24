using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaptureOrchestrator.Activities.Capture;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Api.Endpoints;

/// <summary>
/// POST /api/events/blobcreated?code=KEY: Event Grid (BlobCreated) tells the waiting workflow its
/// capture file has arrived, so it does not wait for the next poll. Polling still works without it.
/// </summary>
public static class EventGridEndpoints
{
    public static void Map(IEndpointRouteBuilder api) => api.MapPost("/events/blobcreated", ReceiveAsync);

    public static async Task<IResult> ReceiveAsync(HttpContext http, string? code, ApiServices api)
    {
        string? key = api.Settings.Api.EventGridKey;
        if (key is null || code is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(code)))
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Event Grid key required", type: "https://captureorchestrator.dev/problems/unauthorized");
        }

        using JsonDocument events = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
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
                await BlobCreatedRouter.RouteAsync(api.Client, data, http.RequestAborted);
            }
        }

        return Results.Ok();
    }
}
