using System.Net;
using System.Text.Json.Nodes;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>Every class of bad input is refused with the right status and a problem that names it — and nothing starts.</summary>
[Collection(PlainAzuriteCollection.Name)]
public sealed class BadInputTests(PlainAzurite azurite)
{
    private static object Valid(string resourceId = FakeNetworkWatcher.Vm, int duration = 60) => new
    {
        ticket = new { system = "jira", id = "OPS-1" },
        targets = new[] { new { resourceId } },
        durationSeconds = duration,
    };

    private static async Task<(HttpStatusCode Status, JsonObject Problem)> Read(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
        return (response.StatusCode, JsonNode.Parse(body)!.AsObject());
    }

    [AzuriteFact]
    public async Task Each_bad_request_gets_its_status_and_a_problem_naming_what_is_wrong_and_nothing_starts()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite, s => s["CaptureOrchestrator:Api:MaxBodyBytes"] = "4096");

        var unsigned = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", Valid(), key: null));
        var wrongKey = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", Valid(), key: "not-the-key"));
        var replayed = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", Valid(), at: DateTimeOffset.UtcNow.AddMinutes(-10)));
        var notJson = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", "{ not json"));
        var badField = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", Valid(duration: 999_999)));
        var badId = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", Valid(resourceId: "/subscriptions/x/../../etc")));
        var outside = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", Valid(resourceId: $"/subscriptions/{FakeNetworkWatcher.Subscription}/resourceGroups/payments/providers/Microsoft.Compute/virtualMachines/db1")));
        var tooLarge = await Read(await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", new string('x', 10_000)));
        var missing = await Read(await rig.SendSignedAsync(HttpMethod.Get, "/api/captures/op-doesnotexist"));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.Status);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.Status);
        Assert.Equal(HttpStatusCode.BadRequest, badField.Status);
        Assert.NotNull(badField.Problem["errors"]!["durationSeconds"]);
        Assert.Equal(HttpStatusCode.BadRequest, badId.Status);
        Assert.NotNull(badId.Problem["errors"]!["targets[0].resourceId"]);
        Assert.Equal(HttpStatusCode.Forbidden, outside.Status);
        Assert.NotNull(outside.Problem["errors"]!["targets[0].resourceId"]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.Status);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Empty(rig.Arm.Server.Requests); // nothing reached Azure
    }

    [AzuriteFact]
    public async Task A_caller_over_its_rate_gets_429_with_retry_after_while_health_stays_up()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite, s => s["CaptureOrchestrator:Api:RequestsPerMinute"] = "3");

        HttpStatusCode[] statuses = new HttpStatusCode[5];
        for (int i = 0; i < statuses.Length; i++)
        {
            statuses[i] = (await rig.SendSignedAsync(HttpMethod.Get, "/api/captures/op-x")).StatusCode;
        }

        HttpResponseMessage limited = await rig.SendSignedAsync(HttpMethod.Get, "/api/captures/op-x");
        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("60", limited.Headers.RetryAfter?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await rig.Http.GetAsync("/api/health")).StatusCode);
    }
}
