using System.Text.Json;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Api;

/// <summary>Reads an operation's stored input or status back, as the endpoints that judge running operations do.</summary>
internal static class WorkflowPayload
{
    /// <summary>The payload as <typeparamref name="T"/>; null when absent or written by another version (not ours to judge).</summary>
    public static T? Read<T>(string? json)
        where T : class
    {
        try
        {
            return json is null ? null : JsonSerializer.Deserialize<T>(json, WorkflowSerializer.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
