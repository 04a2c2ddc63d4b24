using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaptureOrchestrator.Core.Workflows;

/// <summary>
/// Writes a closed set whose wire names are lower case ("teams", "error") as those strings and
/// reads only them: a value outside the set, or a number, is an error, not a silent default.
/// </summary>
/// <typeparam name="TEnum">An enum whose members are single words.</typeparam>
public sealed class LowerCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
