using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Server.Sandbox;
using CaptureOrchestrator.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// <c>serve --sandbox</c> through its HTTP API: the product's own clients against the simulated
/// Azure inside it, each target kind producing a real report of its sample, every answer and report
/// marked simulated; the refusals that keep it out of real deployments; and the README's two
/// commands, run as written against the real serve process.
/// </summary>
public sealed class SandboxTests : IAsyncDisposable
{
    private const string Key = "sandbox-test-key";
    private const string Subscription = SandboxMode.Subscription;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "co-sandbox-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Each_target_kind_is_captured_from_its_sample_and_every_answer_report_card_and_callback_says_simulated()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        (WebApplication app, HttpClient http) = await StartAsync(sandbox: true, new()
        {
            ["CaptureOrchestrator:Api:SigningKey"] = Key,
            ["CaptureOrchestrator:Notifications:TeamsWebhookUrl"] = new Uri(receiver.BaseUri, "/teams").AbsoluteUri,
            ["CaptureOrchestrator:Notifications:AllowedHosts:0"] = "127.0.0.1",
            ["CaptureOrchestrator:Notifications:CallbackSigningKey"] = "callback-key",
            ["CaptureOrchestrator:Limits:MinDurationSeconds"] = "2",
            ["CaptureOrchestrator:Timings:FirstPollSeconds"] = "1",
            ["CaptureOrchestrator:Timings:MaxPollSeconds"] = "2",
            ["CaptureOrchestrator:Sweeper:IntervalMinutes"] = "0",
        });
        await using var _ = app;
        string[] targets =
        [
            $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm-app",
            $"/subscriptions/{Subscription}/resourceGroups/hub/providers/Microsoft.Network/virtualNetworkGateways/vpngw",
            $"/subscriptions/{Subscription}/resourceGroups/hub/providers/Microsoft.Network/azureFirewalls/fw",
            $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Compute/virtualMachineScaleSets/web",
        ];
        string body = new JsonObject
        {
            ["ticket"] = new JsonObject { ["system"] = "servicenow", ["id"] = "INC0070001" },
            ["targets"] = new JsonArray([.. targets.Select(t => (JsonNode)new JsonObject { ["resourceId"] = t })]),
            ["filter"] = new JsonObject { ["localIp"] = "10.1.0.4", ["remoteIp"] = "10.20.0.99", ["remotePort"] = 443, ["protocol"] = "tcp" },
            ["durationSeconds"] = 2,
            ["callbackUrl"] = new Uri(receiver.BaseUri, "/callback").AbsoluteUri,
        }.ToJsonString();

        // Signatures hold in the sandbox too: that is part of what an integrator tests.
        using HttpResponseMessage unsigned = await http.PostAsync("/api/captures", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("simulated", unsigned.Headers.GetValues(SandboxMode.Header).Single());

        using HttpResponseMessage accepted = await SendAsync(http, HttpMethod.Post, "/api/captures", body);
        string acceptedBody = await accepted.Content.ReadAsStringAsync();
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, acceptedBody);
        Assert.Equal("simulated", accepted.Headers.GetValues(SandboxMode.Header).Single());
        string statusUrl = JsonNode.Parse(acceptedBody)!["statusUrl"]!.GetValue<string>();

        JsonObject status = await WaitForEndAsync(http, statusUrl);
        JsonObject result = status["result"]!.AsObject();
        Assert.True(result["status"]!.GetValue<string>() == "Succeeded", status.ToJsonString());
        // The gateway and the firewall lead with their samples' problems. The VM and the scale set kept
        // nothing: the firewall's filter (10.1.0.4 → 10.20.0.99:443) matches no packet of their sample,
        // and the simulated agent keeps only what the session's filter matches, as a real one does.
        JsonArray analysed = result["targets"]!.AsArray();
        Assert.All(analysed, t => Assert.Equal("Analyzed", t!["state"]!.GetValue<string>()));
        Assert.Equal("IKE_EXCHANGE_UNANSWERED", analysed[1]!["analysis"]!["findings"]![0]!["code"]!.GetValue<string>());
        Assert.Equal("ICMP_FRAGMENTATION_NEEDED", analysed[2]!["analysis"]!["findings"]![0]!["code"]!.GetValue<string>());
        Assert.Equal([0, 0], new[] { analysed[0]!, analysed[3]! }.Select(t => t["analysis"]!["packets"]!.GetValue<int>()));

        // The reports, as a person opens them from the links.
        JsonObject links = result["report"]!.AsObject();
        JsonObject reportJson = JsonNode.Parse(await http.GetStringAsync(new Uri(links["json"]!.GetValue<string>())))!.AsObject();
        Assert.Equal(SandboxMode.Notice, reportJson["simulated"]!.GetValue<string>());
        string[] markdown = (await http.GetStringAsync(new Uri(links["markdown"]!.GetValue<string>()))).Split('\n');
        Assert.StartsWith("# Capture Succeeded", markdown[0], StringComparison.Ordinal);
        Assert.Equal($"> **{SandboxMode.Notice}**", markdown[2]);
        string page = await http.GetStringAsync(new Uri(links["html"]!.GetValue<string>()));
        Assert.Contains($"<div class=\"notice\" id=\"notice\">{SandboxMode.Notice}</div>", page, StringComparison.Ordinal);
        string targetPage = await http.GetStringAsync(new Uri(WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page, "<a href=\"([^\"]+)\">Full report").Groups[1].Value)));
        Assert.Contains("id=\"notice\"", targetPage, StringComparison.Ordinal);

        // The Teams card leads with the notice; the signed callback carries it as a field.
        JsonArray card = JsonNode.Parse(Assert.Single(receiver.Received, r => r.Path == "/teams").Body)!["attachments"]![0]!["content"]!["body"]!.AsArray();
        Assert.Equal(SandboxMode.Notice, card[0]!["text"]!.GetValue<string>());
        JsonObject callback = JsonNode.Parse(Assert.Single(receiver.Received, r => r.Path == "/callback").Body)!.AsObject();
        Assert.Equal(SandboxMode.Notice, callback["simulated"]!.GetValue<string>());

        // Every session the simulated Azure held was stopped and removed by the product's cleanup.
        Assert.Equal(0, app.Services.GetRequiredService<Composition>().Sandbox!.LiveSessions);
    }

    [Fact]
    public async Task A_vm_capture_keeps_only_what_its_filter_matches_so_the_report_is_about_that_conversation()
    {
        (WebApplication app, HttpClient http) = await StartAsync(sandbox: true, new()
        {
            ["CaptureOrchestrator:Api:SigningKey"] = Key,
            ["CaptureOrchestrator:Limits:MinDurationSeconds"] = "2",
            ["CaptureOrchestrator:Timings:FirstPollSeconds"] = "1",
            ["CaptureOrchestrator:Sweeper:IntervalMinutes"] = "0",
        });
        await using var _ = app;
        string body = new JsonObject
        {
            ["ticket"] = new JsonObject { ["system"] = "servicenow", ["id"] = "INC0070003" },
            ["targets"] = new JsonArray(new JsonObject { ["resourceId"] = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm-app" }),
            ["filter"] = new JsonObject { ["remoteIp"] = "10.2.0.20", ["protocol"] = "tcp" },
            ["durationSeconds"] = 2,
        }.ToJsonString();

        using HttpResponseMessage accepted = await SendAsync(http, HttpMethod.Post, "/api/captures", body);
        JsonObject status = await WaitForEndAsync(http, JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["statusUrl"]!.GetValue<string>());

        JsonNode analysis = status["result"]!["targets"]![0]!["analysis"]!;
        Assert.Equal(["TCP_CONNECTION_REFUSED"], analysis["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));
        Assert.Equal(2, analysis["packets"]!.GetValue<int>()); // the SYN and its RST, nothing of the sample's other conversations
    }

    [Fact]
    public async Task A_flow_trace_lease_switches_the_simulated_firewalls_logging_on_and_releasing_it_switches_it_off()
    {
        (WebApplication app, HttpClient http) = await StartAsync(sandbox: true, new() { ["CaptureOrchestrator:Api:SigningKey"] = Key, ["CaptureOrchestrator:Sweeper:IntervalMinutes"] = "0" });
        await using var _ = app;
        string firewall = $"/subscriptions/{Subscription}/resourceGroups/hub/providers/Microsoft.Network/azureFirewalls/fw1";
        string body = new JsonObject
        {
            ["ticket"] = new JsonObject { ["system"] = "jira", ["id"] = "NET-42" },
            ["minutes"] = 5,
            ["firewallId"] = firewall,
            ["workspaceId"] = $"/subscriptions/{Subscription}/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/logs",
        }.ToJsonString();

        using HttpResponseMessage acquired = await SendAsync(http, HttpMethod.Post, "/api/flowtrace", body);
        string leaseId = JsonNode.Parse(await acquired.Content.ReadAsStringAsync())!["leaseId"]!.GetValue<string>();
        Assert.Equal("On", await LeaseStateAsync(http, "On"));

        using HttpResponseMessage released = await SendAsync(http, HttpMethod.Delete, $"/api/flowtrace/{leaseId}?ticketSystem=jira&ticketId=NET-42");
        Assert.True(released.IsSuccessStatusCode, await released.Content.ReadAsStringAsync());
        Assert.Equal("Off", await LeaseStateAsync(http, "Off"));
    }

    /// <summary>The lease's state once it reads <paramref name="wanted"/> (or the last one seen after 30 s).</summary>
    private static async Task<string> LeaseStateAsync(HttpClient http, string wanted)
    {
        string state = "none";
        for (DateTime giveUp = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < giveUp && state != wanted; await Task.Delay(200))
        {
            using HttpResponseMessage list = await SendAsync(http, HttpMethod.Get, "/api/flowtrace");
            JsonArray leases = JsonNode.Parse(await list.Content.ReadAsStringAsync())!["leases"]!.AsArray();
            state = leases.Count == 0 ? "Off" : leases[0]!["state"]!.GetValue<string>();
        }

        return state;
    }

    [Theory]
    [InlineData("CaptureOrchestrator:Arm:Endpoint", "https://management.azure.com/", "Arm:Endpoint")]
    [InlineData("CaptureOrchestrator:Storage:BlobEndpoint", "https://captures.blob.core.windows.net/", "Storage:BlobEndpoint")]
    [InlineData("CaptureOrchestrator:Arm:ManagedIdentityClientId", "11111111-1111-1111-1111-111111111111", "Arm credentials")]
    public void The_sandbox_refuses_to_start_in_a_configuration_that_reaches_real_Azure(string setting, string value, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServerHost.Build(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CaptureOrchestrator:DataFolder"] = _data,
            [setting] = value,
        }), sandbox: true));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("serve --sandbox refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_serve_command_with_sandbox_and_an_arm_endpoint_exits_naming_the_setting()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in (string[])[ServeProcess.Cli, "serve", "--sandbox", "--urls", "http://127.0.0.1:0", "--data", _data])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CaptureOrchestrator__Arm__Endpoint"] = "https://management.azure.com";
        using Process serve = Process.Start(start)!;
        string errors = await serve.StandardError.ReadToEndAsync();
        await serve.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("CaptureOrchestrator:Arm:Endpoint is set (management.azure.com)", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_flag_nothing_is_simulated()
    {
        (WebApplication app, HttpClient http) = await StartAsync(sandbox: false, new() { ["CaptureOrchestrator:Api:SigningKey"] = Key, ["CaptureOrchestrator:Limits:AllowedScopes:0"] = "/subscriptions/" + Subscription });
        await using var _ = app;

        using HttpResponseMessage health = await http.GetAsync("/api/health");
        Assert.False(health.Headers.Contains(SandboxMode.Header));
        Assert.Null(JsonNode.Parse(await health.Content.ReadAsStringAsync())!["simulated"]);
        Assert.Null(app.Services.GetRequiredService<Composition>().Sandbox);
        using HttpResponseMessage refused = await SendAsync(http, HttpMethod.Post, "/api/captures", new JsonObject
        {
            ["ticket"] = new JsonObject { ["system"] = "servicenow", ["id"] = "INC0070002" },
            ["targets"] = new JsonArray(new JsonObject { ["resourceId"] = $"/subscriptions/{Subscription}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm-app" }),
            ["durationSeconds"] = 30,
        }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode); // a VM needs a storage account: no simulated one stands in
    }

    [ToolFact("bash")]
    public async Task The_readme_sandbox_commands_run_as_written_and_print_a_simulated_report()
    {
        // The two lines of the README's sandbox block, each after "dotnet run --project src/CaptureOrchestrator.Cli --".
        string readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        const string Run = "dotnet run --project src/CaptureOrchestrator.Cli -- ";
        string[] lines = [.. ReadmeTests.Block(readme, "serve --sandbox").Split('\n').Where(l => l.StartsWith(Run, StringComparison.Ordinal)).Select(l => l[Run.Length..])];
        Assert.Equal(2, lines.Length);
        string[] serveArguments = Strip(lines[0]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["serve", "--sandbox"], serveArguments);
        Assert.StartsWith("call ", lines[1], StringComparison.Ordinal);

        // Where a newcomer runs them: the repository's samples beside the default .data folder. The
        // only change is the port (the README's 5080 may be taken here): --urls for serve, --url for call.
        Directory.CreateDirectory(_data);
        Directory.CreateSymbolicLink(Path.Combine(_data, "samples"), Path.Combine(Repository.Root, "samples"));
        string urls = $"http://127.0.0.1:{ServeProcess.FreePort()}";
        await using ServeProcess serve = ServeProcess.Start(urls, new Dictionary<string, string?>(), [.. serveArguments.Skip(1)], workingDirectory: _data);
        await serve.WaitUntilServingAsync(new Uri(urls));

        string shim = $"dotnet() {{ shift 4; command dotnet '{ServeProcess.Cli}' \"$1\" --url '{urls}' \"${{@:2}}\"; }}"; // drops "run --project … --"
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _data };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(shim + "\n" + Run + Strip(lines[1]));
        start.Environment.Remove("CaptureOrchestrator__Api__SigningKey"); // the key comes from the sandbox's data folder, as for a newcomer
        using Process call = Process.Start(start)!;
        Task<string> output = call.StandardOutput.ReadToEndAsync();
        string errors = await call.StandardError.ReadToEndAsync();
        await call.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));

        string report = await output;
        Assert.True(call.ExitCode == 0, $"call exited {call.ExitCode}: {errors}\n{report}\nserve:\n{string.Join('\n', serve.Lines)}");
        string[] reportLines = report.Split('\n');
        Assert.StartsWith("# Capture Succeeded — servicenow:INC0012345", reportLines[0], StringComparison.Ordinal);
        Assert.Equal($"> **{SandboxMode.Notice}**", reportLines[2]);
        Assert.Contains("TCP_SYN_UNANSWERED", report, StringComparison.Ordinal);
        Assert.Contains("IKE_EXCHANGE_UNANSWERED", report, StringComparison.Ordinal);
        Assert.Contains("HTTP 202", errors, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_data, ".data", SandboxMode.KeyFile)), "the sandbox keeps the key it generated in its data folder");
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private async Task<(WebApplication App, HttpClient Http)> StartAsync(bool sandbox, Dictionary<string, string?> settings)
    {
        settings["CaptureOrchestrator:DataFolder"] = _data;
        settings["CaptureOrchestrator:Api:RequestsPerMinute"] = "100000";
        return await InProcessServer.StartAsync(settings, sandbox);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? body = null) =>
        http.SendAsync(InProcessServer.Signed(method, path, Encoding.UTF8.GetBytes(body ?? string.Empty), Key));

    private static async Task<JsonObject> WaitForEndAsync(HttpClient http, string statusUrl)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            using HttpResponseMessage response = await SendAsync(http, HttpMethod.Get, statusUrl);
            Assert.Equal("simulated", response.Headers.GetValues(SandboxMode.Header).Single());
            JsonObject status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            if (status["runtimeStatus"]!.GetValue<string>() is not ("Running" or "Pending"))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < giveUp, "the operation did not end within 90 s: " + status.ToJsonString());
            await Task.Delay(200);
        }
    }

    /// <summary>A command line without its trailing comment.</summary>
    private static string Strip(string line) => line.Contains(" #", StringComparison.Ordinal) ? line[..line.IndexOf(" #", StringComparison.Ordinal)].TrimEnd() : line.TrimEnd();
}
