using System.Text.Json.Nodes;

namespace CaptureOrchestrator.Deployment.Tests;

/// <summary>Reading compiled ARM templates: resources (symbolic or array form) and nested module deployments.</summary>
public static class ArmTemplate
{
    public static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonObject symbolic => symbolic.Select(r => r.Value!.AsObject()),
        JsonArray list => list.Select(r => r!.AsObject()),
        _ => [],
    };

    /// <summary>The template and every module template nested in it, with the module's symbolic name ("main" for the root).</summary>
    public static IEnumerable<(string Module, JsonObject Template)> WithModules(JsonObject template, string name = "main")
    {
        yield return (name, template);
        if (template["resources"] is JsonObject symbolic)
        {
            foreach ((string symbol, JsonNode? resource) in symbolic)
            {
                if (resource!["type"]!.GetValue<string>() == "Microsoft.Resources/deployments")
                {
                    foreach ((string, JsonObject) nested in WithModules(resource["properties"]!["template"]!.AsObject(), symbol))
                    {
                        yield return nested;
                    }
                }
            }
        }
        else
        {
            foreach (JsonObject resource in Resources(template).Where(r => r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments"))
            {
                foreach ((string, JsonObject) nested in WithModules(resource["properties"]!["template"]!.AsObject(), resource["name"]!.ToString()))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>Every string value under <paramref name="node"/> (ARM expressions are strings).</summary>
    public static IEnumerable<string> Strings(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Value is null ? [] : Strings(p.Value)),
        JsonArray a => a.SelectMany(e => e is null ? [] : Strings(e)),
        JsonValue v when v.TryGetValue(out string? text) => [text],
        _ => [],
    };

    public static string TemplateHash(JsonObject template) => template["metadata"]!["_generator"]!["templateHash"]!.GetValue<string>();
}
