using System.Text.Json.Serialization;

namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>The envelope ARM wraps every resource in: id, name, etag, location around <c>properties</c>.</summary>
internal sealed record ArmResource<TProperties>(
    string? Id,
    string? Name,
    string? Type,
    string? Etag,
    string? Location,
    TProperties? Properties);

/// <summary>One page of a list operation; <c>nextLink</c> is an opaque absolute URL.</summary>
internal sealed record ArmPage<T>(IReadOnlyList<T>? Value, [property: JsonPropertyName("nextLink")] string? NextLink);
