using System.Text.Json.Nodes;

namespace CaptureOrchestrator.Functions.Tests.Host;

/// <summary>One function as the Functions SDK's build wrote it into functions.metadata (what the host indexes).</summary>
public sealed record FunctionEntry(string Name, string EntryPoint, string TriggerType, string? Route, string[] Methods, string? AuthLevel, JsonObject Trigger);

/// <summary>The functions.metadata the Worker SDK generated for the host project (copied beside the tests).</summary>
public static class FunctionsMetadata
{
    public static IReadOnlyList<FunctionEntry> All { get; } = Load();

    private static FunctionEntry[] Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"no functions.metadata beside the tests ({path}): the Functions SDK writes it when it builds src/CaptureOrchestrator.Functions");
        return JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(f =>
        {
            JsonObject trigger = f!["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => b["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal));
            return new FunctionEntry(
                f["name"]!.GetValue<string>(),
                f["entryPoint"]!.GetValue<string>(),
                trigger["type"]!.GetValue<string>(),
                trigger["route"]?.GetValue<string>(),
                trigger["methods"]?.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()).ToArray() ?? [],
                trigger["authLevel"]?.GetValue<string>(),
                trigger);
        }).ToArray();
    }
}
