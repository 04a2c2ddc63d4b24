using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Core.Notifications;

namespace CaptureOrchestrator.TestSupport;

/// <summary>What a host answered to one API request.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, string? ContentType, string Body, string? RetryAfter)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    public override string ToString() => $"{(int)Status} {ContentType}: {Body}";
}

/// <summary>One of the two hosts, as a ticket system reaches it: a request in, an answer out.</summary>
public interface IApiHost
{
    Task<ApiAnswer> SendAsync(HttpMethod method, string path, byte[] body, string? signature);

    /// <summary>Whether anything was started (a workflow on the Functions host; an ARM call on the server).</summary>
    Task<bool> StartedAnythingAsync();
}

/// <summary>How a case signs its request.</summary>
public enum ApiSigning
{
    Valid,
    None,
    WrongKey,
    TenMinutesOld,

    /// <summary>The first version: timestamp and body only (no longer accepted).</summary>
    VersionOne,
}

/// <summary>A request that must be refused: the status, and the field its problem names (if any).</summary>
/// <param name="ProblemSays">Words the problem's message for <paramref name="ProblemField"/> must contain.</param>
public sealed record ApiRefusalCase(string Name, HttpMethod Method, string Path, object? Body, ApiSigning Signing, HttpStatusCode Expected, string? ProblemField = null, string? ProblemSays = null)
{
    public override string ToString() => Name;
}

/// <summary>
/// The HTTP API's request cases, one set for both hosts: the self-hosted server over HTTP and the
/// Functions host's HTTP triggers. A host under these cases runs with <see cref="Settings"/>.
/// </summary>
public static class ApiRequestCases
{
    public const string SigningKey = "test-signing-key-0123456789abcdef";
    public const string Subscription = "11111111-2222-3333-4444-555555555555";
    public const string AllowedScope = $"/subscriptions/{Subscription}/resourceGroups/app";
    public const string Vm = AllowedScope + "/providers/Microsoft.Compute/virtualMachines/vm1";
    public const string Vm2 = AllowedScope + "/providers/Microsoft.Compute/virtualMachines/vm2";
    public const int MaxBodyBytes = 4096;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Settings both hosts take for these cases (configuration keys).</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["CaptureOrchestrator:Api:SigningKey"] = SigningKey,
        ["CaptureOrchestrator:Api:MaxBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CaptureOrchestrator:Limits:AllowedScopes:0"] = AllowedScope,
        ["CaptureOrchestrator:Limits:MinDurationSeconds"] = "2",
    };

    public static object Capture(string ticketId = "OPS-1", string resourceId = Vm, int durationSeconds = 60) => new
    {
        ticket = new { system = "jira", id = ticketId },
        targets = new[] { new { resourceId } },
        durationSeconds,
    };

    public static IReadOnlyList<ApiRefusalCase> Refusals { get; } =
    [
        new("unsigned", HttpMethod.Post, "/api/captures", Capture(), ApiSigning.None, HttpStatusCode.Unauthorized),
        new("signed-with-another-key", HttpMethod.Post, "/api/captures", Capture(), ApiSigning.WrongKey, HttpStatusCode.Unauthorized),
        new("signature-outside-the-window", HttpMethod.Post, "/api/captures", Capture(), ApiSigning.TenMinutesOld, HttpStatusCode.Unauthorized),
        new("body-not-json", HttpMethod.Post, "/api/captures", "{ not json", ApiSigning.Valid, HttpStatusCode.BadRequest, "body", "malformed JSON at line 1, byte 3"),
        new("misspelt-field", HttpMethod.Post, "/api/captures", """{"ticket":{"system":"jira","id":"OPS-1"},"targets":[{"resourceId":"%VM%"}],"durationSeconds":60,"filters":{"remoteIp":"10.2.0.20"}}""".Replace("%VM%", Vm, StringComparison.Ordinal), ApiSigning.Valid, HttpStatusCode.BadRequest, "filters", "did you mean 'filter'"),
        new("snake-case-field", HttpMethod.Post, "/api/captures", """{"ticket":{"system":"jira","id":"OPS-1"},"targets":[{"resourceId":"%VM%"}],"durationSeconds":60,"callback_url":"https://ticket.example/cb"}""".Replace("%VM%", Vm, StringComparison.Ordinal), ApiSigning.Valid, HttpStatusCode.BadRequest, "callback_url", "did you mean 'callbackUrl'"),
        new("unknown-nested-field", HttpMethod.Post, "/api/captures", """{"ticket":{"system":"jira","id":"OPS-1","priority":1},"targets":[{"resourceId":"%VM%"}],"durationSeconds":60}""".Replace("%VM%", Vm, StringComparison.Ordinal), ApiSigning.Valid, HttpStatusCode.BadRequest, "ticket.priority", "unknown field"),
        new("number-as-a-string", HttpMethod.Post, "/api/captures", """{"ticket":{"system":"jira","id":"OPS-1"},"targets":[{"resourceId":"%VM%"}],"durationSeconds":"60"}""".Replace("%VM%", Vm, StringComparison.Ordinal), ApiSigning.Valid, HttpStatusCode.BadRequest, "durationSeconds", "wrong type"),
        new("duration-out-of-range", HttpMethod.Post, "/api/captures", Capture(durationSeconds: 999_999), ApiSigning.Valid, HttpStatusCode.BadRequest, "durationSeconds"),
        new("resource-id-with-traversal", HttpMethod.Post, "/api/captures", Capture(resourceId: "/subscriptions/x/../../etc"), ApiSigning.Valid, HttpStatusCode.BadRequest, "targets[0].resourceId"),
        new("resource-name-with-a-right-to-left-override", HttpMethod.Post, "/api/captures", Capture(resourceId: AllowedScope + "/providers/Microsoft.Compute/virtualMachines/vm\u202Egpj.1"), ApiSigning.Valid, HttpStatusCode.BadRequest, "targets[0].resourceId"),
        new("target-outside-the-allowed-scopes", HttpMethod.Post, "/api/captures", Capture(resourceId: $"/subscriptions/{Subscription}/resourceGroups/payments/providers/Microsoft.Compute/virtualMachines/db1"), ApiSigning.Valid, HttpStatusCode.Forbidden, "targets[0].resourceId"),
        new("body-over-the-limit", HttpMethod.Post, "/api/captures", new string('x', MaxBodyBytes * 2), ApiSigning.Valid, HttpStatusCode.RequestEntityTooLarge),
        new("unknown-operation", HttpMethod.Get, "/api/captures/op-doesnotexist", null, ApiSigning.Valid, HttpStatusCode.NotFound),
        new("unsigned-cancel", HttpMethod.Post, "/api/captures/op-doesnotexist/cancel", null, ApiSigning.None, HttpStatusCode.Unauthorized),
        new("signed-with-version-one", HttpMethod.Post, "/api/captures", Capture(), ApiSigning.VersionOne, HttpStatusCode.Unauthorized),
        new("triage-without-a-path", HttpMethod.Post, "/api/triage", new { capture = new { ticket = new { system = "jira", id = "OPS-2" }, durationSeconds = 60 } }, ApiSigning.Valid, HttpStatusCode.BadRequest, "path"),
    ];

    public static Task<ApiAnswer> SendAsync(IApiHost host, HttpMethod method, string path, object? body, ApiSigning signing = ApiSigning.Valid)
    {
        byte[] bytes = body switch
        {
            null => [],
            string text => Encoding.UTF8.GetBytes(text),
            _ => JsonSerializer.SerializeToUtf8Bytes(body, Web),
        };
        string? signature = signing switch
        {
            ApiSigning.Valid => HmacSignature.Create(Encoding.UTF8.GetBytes(SigningKey), method.Method, path, bytes, DateTimeOffset.UtcNow),
            ApiSigning.WrongKey => HmacSignature.Create(Encoding.UTF8.GetBytes("not-the-key"), method.Method, path, bytes, DateTimeOffset.UtcNow),
            ApiSigning.TenMinutesOld => HmacSignature.Create(Encoding.UTF8.GetBytes(SigningKey), method.Method, path, bytes, DateTimeOffset.UtcNow.AddMinutes(-10)),
            ApiSigning.VersionOne => VersionOneSignature(bytes, DateTimeOffset.UtcNow),
            _ => null,
        };
        return host.SendAsync(method, path, bytes, signature);
    }

    /// <summary>What clients sent before version 2: t={unix seconds},v1={hex HMAC-SHA256 of "t.body"}.</summary>
    private static string VersionOneSignature(byte[] body, DateTimeOffset now)
    {
        string t = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[] mac = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(SigningKey), (byte[])[.. Encoding.ASCII.GetBytes(t + "."), .. body]);
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>The request is refused with its status as a problem document naming the field, and nothing starts.</summary>
    public static async Task RefusedAsync(IApiHost host, ApiRefusalCase refusal)
    {
        ApiAnswer answer = await SendAsync(host, refusal.Method, refusal.Path, refusal.Body, refusal.Signing);

        Assert.True(answer.Status == refusal.Expected, $"{refusal.Name}: expected {(int)refusal.Expected}, got {answer}");
        Assert.StartsWith("application/problem+json", answer.ContentType ?? string.Empty, StringComparison.Ordinal);
        if (refusal.ProblemField is { } field)
        {
            Assert.True(answer.Json["errors"]?[field] is not null, $"{refusal.Name}: the problem does not name {field}: {answer.Body}");
            Assert.True(refusal.ProblemSays is null || answer.Json["errors"]![field]!.AsArray().Any(m => m!.GetValue<string>().Contains(refusal.ProblemSays, StringComparison.Ordinal)), $"{refusal.Name}: the problem does not say '{refusal.ProblemSays}': {answer.Body}");
        }

        Assert.False(await host.StartedAnythingAsync(), $"{refusal.Name}: something was started for a refused request");
    }

    /// <summary>A valid capture is accepted (202 with its operation id and status link); a second one on its target is refused (409) naming it.</summary>
    public static async Task AcceptedThenBusyAsync(IApiHost host)
    {
        ApiAnswer accepted = await SendAsync(host, HttpMethod.Post, "/api/captures", Capture("OPS-10", durationSeconds: 600));
        Assert.True(accepted.Status == HttpStatusCode.Accepted, accepted.ToString());
        string operationId = accepted.Json["operationId"]!.GetValue<string>();
        Assert.StartsWith("op-", operationId, StringComparison.Ordinal);

        ApiAnswer status = await SendAsync(host, HttpMethod.Get, "/api/captures/" + operationId, null);
        Assert.True(status.Status == HttpStatusCode.OK, status.ToString());
        Assert.Equal(operationId, status.Json["operationId"]!.GetValue<string>());

        ApiAnswer busy = await SendAsync(host, HttpMethod.Post, "/api/captures", new
        {
            ticket = new { system = "jira", id = "OPS-11" },
            targets = new[] { new { resourceId = Vm2 }, new { resourceId = Vm } },
            durationSeconds = 60,
        });
        Assert.True(busy.Status == HttpStatusCode.Conflict, busy.ToString());
        Assert.Contains(operationId, busy.Json["errors"]!["targets[1].resourceId"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(busy.Json["errors"]!["targets[0].resourceId"]);
    }

    /// <summary>
    /// The signature binds method, path and body: a signed GET (empty body) seen in transit cannot be
    /// sent as a cancel or a delete; a signed state-changing request is taken once; the outdated
    /// scheme is refused with a message that names the new one.
    /// </summary>
    public static async Task SignaturesBindTheRequestAndAreTakenOnceAsync(IApiHost host)
    {
        ApiAnswer accepted = await SendAsync(host, HttpMethod.Post, "/api/captures", Capture("OPS-30", durationSeconds: 600));
        Assert.True(accepted.Status == HttpStatusCode.Accepted, accepted.ToString());
        string cancel = $"/api/captures/{accepted.Json["operationId"]!.GetValue<string>()}/cancel";

        // A GET of the status, signed and seen in transit, replayed as the cancel (both bodies are empty).
        string statusGet = HmacSignature.Create(Encoding.UTF8.GetBytes(SigningKey), "GET", cancel[..^"/cancel".Length], [], DateTimeOffset.UtcNow);
        ApiAnswer asCancel = await host.SendAsync(HttpMethod.Post, cancel, [], statusGet);
        Assert.True(asCancel.Status == HttpStatusCode.Unauthorized, asCancel.ToString());

        // The genuine cancel works once; the same signed request again is a replay.
        string signedCancel = HmacSignature.Create(Encoding.UTF8.GetBytes(SigningKey), "POST", cancel, [], DateTimeOffset.UtcNow);
        ApiAnswer first = await host.SendAsync(HttpMethod.Post, cancel, [], signedCancel);
        ApiAnswer replayed = await host.SendAsync(HttpMethod.Post, cancel, [], signedCancel);
        Assert.True(first.Status == HttpStatusCode.Accepted, first.ToString());
        Assert.True(replayed.Status == HttpStatusCode.Unauthorized, replayed.ToString());
        Assert.Contains("already received", replayed.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        ApiAnswer outdated = await SendAsync(host, HttpMethod.Get, cancel[..^"/cancel".Length], null, ApiSigning.VersionOne);
        Assert.True(outdated.Status == HttpStatusCode.Unauthorized, outdated.ToString());
        Assert.Contains("version 1", outdated.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Identical requests sent at once (a ticket system retrying): one operation, and exactly one answer says it created it.</summary>
    public static async Task ConcurrentRetriesCreateOneOperationAsync(IApiHost host)
    {
        object request = new
        {
            ticket = new { system = "jira", id = "OPS-20", clientRequestId = "retry-1" },
            targets = new[] { new { resourceId = Vm } },
            durationSeconds = 600,
        };

        ApiAnswer[] answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(() => SendAsync(host, HttpMethod.Post, "/api/captures", request))));

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Accepted, a.ToString()));
        Assert.Single(answers.Select(a => a.Json["operationId"]!.GetValue<string>()).Distinct());
        Assert.Equal(1, answers.Count(a => a.Json["created"]!.GetValue<bool>()));
    }

    /// <summary>With <paramref name="perMinute"/> allowed, the next request gets 429 and Retry-After: 60; health is not limited.</summary>
    public static async Task RateLimitedAsync(IApiHost host, int perMinute)
    {
        for (int i = 0; i < perMinute; i++)
        {
            ApiAnswer allowed = await SendAsync(host, HttpMethod.Get, "/api/captures/op-x", null);
            Assert.True(allowed.Status == HttpStatusCode.NotFound, allowed.ToString());
        }

        ApiAnswer limited = await SendAsync(host, HttpMethod.Get, "/api/captures/op-x", null);
        Assert.True(limited.Status == HttpStatusCode.TooManyRequests, limited.ToString());
        Assert.Equal("60", limited.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(host, HttpMethod.Get, "/api/health", null, ApiSigning.None)).Status);
    }
}
