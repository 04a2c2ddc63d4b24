using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Support;

/// <summary>One official x-ms-examples file from ../shared/azure-rest: the request parameters and the responses by status.</summary>
public sealed class RestExample
{
    private readonly JsonObject _root;

    private RestExample(string fileName, JsonObject root)
    {
        FileName = fileName;
        _root = root;
    }

    public const string ZeroSubscription = "00000000-0000-0000-0000-000000000000";

    public string FileName { get; }

    public static RestExample Load(string fileName)
    {
        string path = Path.Combine(RestExamples.Directory, fileName);

        // A few older examples use the placeholder "subid", which is not a subscription id ARM accepts
        // (nor does ArmResourceId); give them the all-zero GUID the newer examples use.
        string text = File.ReadAllText(path).Replace("subscriptions/subid/", "subscriptions/" + ZeroSubscription + "/", StringComparison.Ordinal)
            .Replace("\"subscriptionId\": \"subid\"", $"\"subscriptionId\": \"{ZeroSubscription}\"", StringComparison.Ordinal);
        return new RestExample(fileName, JsonNode.Parse(text)!.AsObject());
    }

    public JsonObject Parameters => _root["parameters"]!.AsObject();

    /// <summary>The request body parameter (named "parameters" in every Network example), if any.</summary>
    public JsonNode? RequestBody => Parameters["parameters"] ?? Parameters["parameter"];

    public JsonNode? ResponseBody(int status) => _root["responses"]![status.ToString()]!["body"];

    /// <summary>
    /// The example's response as a scripted reply. Header URLs pointing at management.azure.com
    /// (including the examples' malformed "https:/management...") are moved to the loopback server,
    /// as a sovereign cloud or test endpoint would return its own host.
    /// </summary>
    public Reply Reply(int status)
    {
        JsonObject response = _root["responses"]![status.ToString()]!.AsObject();
        var headers = new List<(string, string)>();
        if (response["headers"] is JsonObject headerObject)
        {
            foreach ((string name, JsonNode? value) in headerObject)
            {
                string text = value!.GetValue<string>()
                    .Replace("https://management.azure.com", "{base}", StringComparison.OrdinalIgnoreCase)
                    .Replace("https:/management.azure.com", "{base}", StringComparison.OrdinalIgnoreCase);
                headers.Add((name, text));
            }
        }

        headers.Add(("Retry-After", "0"));
        string? body = response["body"] is { } node ? node.ToJsonString() : null;
        return new Reply(status, body, [.. headers]);
    }

    /// <summary>Asserts that a request body sent by a client means the same JSON as the example's.</summary>
    public static void AssertSameJson(JsonNode? expected, string actualBody)
    {
        JsonNode? actual = string.IsNullOrEmpty(actualBody) ? null : JsonNode.Parse(actualBody);
        Assert.True(JsonNode.DeepEquals(expected, actual),
            $"request body differs from the example\nexpected: {expected?.ToJsonString(new JsonSerializerOptions { WriteIndented = false })}\nactual:   {actual?.ToJsonString()}");
    }
}
