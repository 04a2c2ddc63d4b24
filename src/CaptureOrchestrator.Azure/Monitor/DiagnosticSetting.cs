using System.Text.Json.Nodes;

namespace CaptureOrchestrator.Azure.Monitor;

/// <summary>
/// A diagnostic setting. A PUT replaces the whole setting, so this keeps every property ARM returned
/// (storage, event hub, partner, metrics, retention…) and changes only what it is asked to.
/// </summary>
public sealed class DiagnosticSetting
{
    private readonly JsonObject _properties;

    public DiagnosticSetting(string name, JsonObject properties)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _properties = (JsonObject)properties.DeepClone();
    }

    public string Name { get; }

    /// <summary>The Log Analytics workspace (ARM id) the setting sends to, if any.</summary>
    public string? WorkspaceId => Text("workspaceId") is { Length: > 0 } id ? id : null;

    /// <summary>"Dedicated" sends to resource-specific tables (AZFW*); otherwise AzureDiagnostics.</summary>
    public string? LogAnalyticsDestinationType => Text("logAnalyticsDestinationType");

    public IReadOnlyList<DiagnosticLogSetting> Logs =>
        (_properties["logs"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(l => new DiagnosticLogSetting(l["category"]?.GetValue<string>(), l["categoryGroup"]?.GetValue<string>(), l["enabled"]?.GetValue<bool>() ?? false))
            .ToArray();

    /// <summary>The properties as they will be sent (a copy).</summary>
    public JsonObject Properties => (JsonObject)_properties.DeepClone();

    /// <summary>A new setting sending only the given log categories to a workspace, in resource-specific tables.</summary>
    public static DiagnosticSetting ForWorkspace(string name, string workspaceId, params string[] categories) =>
        new(name, new JsonObject
        {
            ["workspaceId"] = workspaceId,
            ["logAnalyticsDestinationType"] = "Dedicated",
            ["logs"] = new JsonArray(categories.Select(c => (JsonNode)new JsonObject { ["category"] = c, ["enabled"] = true }).ToArray()),
        });

    /// <summary>True when the category is collected, by itself or through an enabled "allLogs" group.</summary>
    public bool Collects(string category) => Logs.Any(l => l.Enabled
        && (string.Equals(l.Category, category, StringComparison.OrdinalIgnoreCase)
            || string.Equals(l.CategoryGroup, "allLogs", StringComparison.OrdinalIgnoreCase)));

    /// <summary>A copy with the category switched on or off; everything else is kept as it was.</summary>
    public DiagnosticSetting WithLogCategory(string category, bool enabled)
    {
        JsonObject properties = Properties;
        if (properties["logs"] is not JsonArray logs)
        {
            logs = [];
            properties["logs"] = logs;
        }

        JsonObject? entry = logs.OfType<JsonObject>().FirstOrDefault(l => string.Equals(l["category"]?.GetValue<string>(), category, StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            logs.Add(new JsonObject { ["category"] = category, ["enabled"] = enabled });
        }
        else
        {
            entry["enabled"] = enabled;
        }

        return new DiagnosticSetting(Name, properties);
    }

    private string? Text(string property) => _properties[property] is JsonValue value && value.TryGetValue(out string? text) ? text : null;
}

/// <summary>One entry of <c>logs</c>: a category or a category group, and whether it is on.</summary>
public sealed record DiagnosticLogSetting(string? Category, string? CategoryGroup, bool Enabled);
