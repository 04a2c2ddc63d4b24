using System.Globalization;
using System.Text.Json;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Core.Alerts;

/// <summary>Whether an alert notification says the condition started or ended.</summary>
public enum AlertCondition
{
    Fired,
    Resolved,
}

/// <summary>One dimension of the alert's condition (a metric dimension, or a log search alert's split column).</summary>
public sealed record AlertDimension(string Name, string Value);

/// <summary>
/// What CaptureOrchestrator reads of an Azure Monitor alert notification in the common alert
/// schema: the essentials (which alert, which rule, fired or resolved, when, on what) and the
/// dimensions of its condition (a Connection Monitor test names its source there).
/// </summary>
public sealed record CommonAlert(
    string AlertId,
    string Rule,
    string? RuleId,
    string Severity,
    string SignalType,
    string? MonitoringService,
    AlertCondition Condition,
    DateTimeOffset FiredAt,
    IReadOnlyList<string> TargetIds,
    IReadOnlyList<AlertDimension> Dimensions);

/// <summary>
/// Reads the common alert schema. Unlike the API's own bodies, unknown members are accepted: Azure
/// Monitor adds fields to this schema over time (alertRuleID, investigationLink, …) and an
/// alert must not be lost to a field we do not use. What we use is checked, each problem naming
/// its field in the payload.
/// </summary>
public static class CommonAlertSchema
{
    public const string SchemaId = "azureMonitorCommonAlertSchema";

    public static Validated<CommonAlert> Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return Invalid("body", $"not JSON: {ex.Message}");
        }

        using (document)
        {
            return Read(document.RootElement);
        }
    }

    private static Validated<CommonAlert> Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("body", "an alert notification is a JSON object");
        }

        string? schema = String(root, "schemaId");
        if (schema != SchemaId)
        {
            return Invalid("schemaId", schema is null
                ? $"required: \"{SchemaId}\" (turn on \"Enable the common alert schema\" on the action group's webhook)"
                : $"'{schema}' is not the common alert schema; only \"{SchemaId}\" is accepted (turn it on for the action group's webhook)");
        }

        if (!root.TryGetProperty("data", out JsonElement data) || !data.TryGetProperty("essentials", out JsonElement essentials) || essentials.ValueKind != JsonValueKind.Object)
        {
            return Invalid("data.essentials", "required: the alert's essentials");
        }

        var errors = new List<FieldError>();
        string? alertId = Required(essentials, "alertId", errors);
        string? rule = Required(essentials, "alertRule", errors);
        string? signal = Required(essentials, "signalType", errors);
        string? condition = Required(essentials, "monitorCondition", errors);
        string? fired = Required(essentials, "firedDateTime", errors);
        AlertCondition parsedCondition = default;
        if (condition is not null && !Enum.TryParse(condition, ignoreCase: false, out parsedCondition))
        {
            errors.Add(new("data.essentials.monitorCondition", $"'{condition}' is neither Fired nor Resolved"));
        }

        DateTimeOffset firedAt = default;
        if (fired is not null && !DateTimeOffset.TryParse(fired, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out firedAt))
        {
            errors.Add(new("data.essentials.firedDateTime", $"'{fired}' is not a date and time"));
        }

        var targets = new List<string>();
        if (!essentials.TryGetProperty("alertTargetIDs", out JsonElement ids) || ids.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new("data.essentials.alertTargetIDs", "required: the resources the alert fired on"));
        }
        else
        {
            int index = 0;
            foreach (JsonElement id in ids.EnumerateArray())
            {
                if (id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
                {
                    errors.Add(new($"data.essentials.alertTargetIDs[{index}]", "a resource id (string) is required"));
                }
                else
                {
                    targets.Add(id.GetString()!);
                }

                index++;
            }
        }

        if (errors.Count > 0)
        {
            return new(null, errors, []);
        }

        return new(new CommonAlert(alertId!, rule!, String(essentials, "alertRuleID"), String(essentials, "severity") ?? "Sev?", signal!, String(essentials, "monitoringService"), parsedCondition, firedAt.ToUniversalTime(), targets, Dimensions(data)), [], []);
    }

    /// <summary>Every dimension of every criterion: data.alertContext.condition.allOf[].dimensions[] {name, value}.</summary>
    private static List<AlertDimension> Dimensions(JsonElement data)
    {
        var dimensions = new List<AlertDimension>();
        if (data.TryGetProperty("alertContext", out JsonElement context) && context.ValueKind == JsonValueKind.Object
            && context.TryGetProperty("condition", out JsonElement condition) && condition.ValueKind == JsonValueKind.Object
            && condition.TryGetProperty("allOf", out JsonElement allOf) && allOf.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement criterion in allOf.EnumerateArray())
            {
                if (criterion.ValueKind == JsonValueKind.Object && criterion.TryGetProperty("dimensions", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement dimension in list.EnumerateArray())
                    {
                        if (String(dimension, "name") is { } name && String(dimension, "value") is { } value)
                        {
                            dimensions.Add(new AlertDimension(name, value));
                        }
                    }
                }
            }
        }

        return dimensions;
    }

    private static string? Required(JsonElement essentials, string name, List<FieldError> errors)
    {
        string? value = String(essentials, name);
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new($"data.essentials.{name}", "required"));
            return null;
        }

        return value;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Validated<CommonAlert> Invalid(string field, string message) => new(null, [new FieldError(field, message)], []);
}
