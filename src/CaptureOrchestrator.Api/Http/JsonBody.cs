using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Validation;
using Microsoft.AspNetCore.Http;

namespace CaptureOrchestrator.Api.Http;

/// <summary>
/// Reads an API body (the verified bytes the signature check kept) strictly: a field the request
/// type does not have is refused by name, with the closest known field when there is one (a
/// misspelt "filters" must not start an unfiltered capture), numbers are numbers (not strings),
/// and malformed JSON is a problem of the body, with its position. 400 otherwise.
/// </summary>
internal static class JsonBody
{
    /// <summary>camelCase as documented (names match case-insensitively), nothing unknown, no numbers from strings.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static bool TryRead<T>(HttpContext http, out T? value, out IResult problem)
    {
        value = default;
        problem = Results.Empty;
        if (Problem<T>(http.Items[RequestSignatureMiddleware.BodyItem] as byte[] ?? [], out value) is { } error)
        {
            problem = Problems.Invalid([error]);
            return false;
        }

        return true;
    }

    /// <summary>The body as <typeparamref name="T"/>, or the one problem that stops it.</summary>
    internal static FieldError? Problem<T>(ReadOnlySpan<byte> body, out T? value)
    {
        value = default;
        try
        {
            using JsonDocument _ = JsonDocument.Parse(body.ToArray()); // syntax first: its errors belong to the body, not to a field
        }
        catch (JsonException ex)
        {
            return new FieldError("body", $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {Reason(ex)}");
        }

        try
        {
            value = JsonSerializer.Deserialize<T>(body, Options);
            return null;
        }
        catch (JsonException ex)
        {
            string field = Field(ex.Path);
            string name = field[(field.LastIndexOfAny(['.', ']']) + 1)..];
            return ex.Message.StartsWith("The JSON property", StringComparison.Ordinal)
                ? new FieldError(field, $"unknown field '{InputText.Quote(name, 64)}'" + (Closest(name, typeof(T)) is { } known ? $"; did you mean '{known}'?" : "; see docs/openapi.json for the fields of this request"))
                : new FieldError(field, "the value has the wrong type for this field (numbers without quotes, text in quotes, true/false, and objects and lists as in docs/openapi.json)");
        }
    }

    private static string Field(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    private static string Reason(JsonException ex) => ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ') + ".";

    /// <summary>The known field name closest to <paramref name="name"/> anywhere in the request type, ignoring case, '_' and '-' (callback_url → callbackUrl).</summary>
    private static string? Closest(string name, Type type)
    {
        string wanted = Normalize(name);
        return KnownNames(type, [])
            .Select(known => (Known: known, Distance: Distance(wanted, Normalize(known))))
            .Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance)
            .Select(c => c.Known)
            .FirstOrDefault();

        static string Normalize(string text) => text.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
    }

    private static IEnumerable<string> KnownNames(Type type, HashSet<Type> seen)
    {
        if (!seen.Add(type) || Options.GetTypeInfo(type) is not { Kind: JsonTypeInfoKind.Object } info)
        {
            yield break;
        }

        foreach (JsonPropertyInfo property in info.Properties)
        {
            yield return property.Name;
            Type element = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            element = element.IsGenericType && element.GetGenericArguments() is [{ } item] && typeof(System.Collections.IEnumerable).IsAssignableFrom(element) ? item : element;
            foreach (string nested in KnownNames(element, seen))
            {
                yield return nested;
            }
        }
    }

    private static int Distance(string a, string b)
    {
        int[] previous = [.. Enumerable.Range(0, b.Length + 1)];
        for (int i = 1; i <= a.Length; i++)
        {
            int[] current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
