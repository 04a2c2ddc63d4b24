using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaptureOrchestrator.Core.Resources;

/// <summary>Resource ids travel as strings; reading one validates it like <see cref="ArmResourceId.Parse"/>.</summary>
internal sealed class ArmResourceIdJsonConverter : JsonConverter<ArmResourceId>
{
    public override ArmResourceId? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.GetString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return ArmResourceId.TryParse(text, out ArmResourceId? id, out string? error) ? id : throw new JsonException(error);
    }

    public override void Write(Utf8JsonWriter writer, ArmResourceId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
