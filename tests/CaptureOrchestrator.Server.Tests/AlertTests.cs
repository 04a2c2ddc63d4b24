using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// POST /api/alerts through the HTTP API of a server whose Azure is the sandbox's (so VM captures
/// run without a storage account): common-alert-schema payloads of each supported kind start the
/// capture their policy names, repeats are deduplicated, "Resolved" starts nothing, the per-rule cap
/// holds, refusals name the field; the URL key and Entra tokens (keys and tokens made here, the
/// tenant's metadata served on loopback) decide who may post.
/// </summary>
public sealed class AlertTests : IAsyncLifetime, IDisposable
{
    private const string Key = "alert-url-key";
    private const string Sub = "00000000-0000-0000-0000-000000000000";
    private const string Vm = $"/subscriptions/{Sub}/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm-app";
    private const string Gateway = $"/subscriptions/{Sub}/resourceGroups/hub/providers/Microsoft.Network/virtualNetworkGateways/vpngw";
    private const string VpnRuleId = $"/subscriptions/{Sub}/resourceGroups/hub/providers/Microsoft.Insights/scheduledQueryRules/vpn-tunnel-down";
    private const string ConnectionMonitor = $"/subscriptions/{Sub}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope/connectionMonitors/app-to-sql";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "co-alerts-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _settings = [];
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync() => await StartAsync(_ => { });

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task A_metric_alert_on_a_vm_captures_that_vm_and_the_report_carries_the_alert()
    {
        var alertId = Guid.NewGuid();
        using HttpResponseMessage response = await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm], alertId: alertId));

        JsonObject accepted = await ExpectAsync(response, HttpStatusCode.Accepted);
        string operationId = accepted["operationId"]!.GetValue<string>();
        CaptureOperation operation = await InputOfAsync(operationId);
        Assert.Equal(Vm, Assert.Single(operation.Targets).ResourceId.ToString(), ignoreCase: true);
        Assert.Equal(2, operation.DurationSeconds); // the policy's
        Assert.Equal(new TicketKey("azure-monitor", alertId.ToString(), "2026-12-07T09:30:00.0000000Z"), operation.Ticket);

        JsonObject status = await WaitForEndAsync(operationId);
        JsonObject report = JsonNode.Parse(await _http.GetStringAsync(new Uri(status["result"]!["report"]!["json"]!.GetValue<string>())))!.AsObject();
        Assert.Equal($"azure-monitor:{alertId}", report["ticket"]!.GetValue<string>());
        Assert.Equal("vm-unreachable", report["alert"]!["rule"]!.GetValue<string>());
        Assert.Equal($"/subscriptions/{Sub}/providers/Microsoft.AlertsManagement/alerts/{alertId}", report["alert"]!["alertId"]!.GetValue<string>());
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero), report["alert"]!["firedAt"]!.GetValue<DateTimeOffset>());
        string markdown = await _http.GetStringAsync(new Uri(status["result"]!["report"]!["markdown"]!.GetValue<string>()));
        Assert.Contains("Azure Monitor alert 'vm-unreachable' (Sev2, Metric) fired 2026-12-07 09:30:00 UTC; capture policy 'vm-unreachable'", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeats_while_the_capture_runs_are_deduplicated_and_a_redelivery_finds_its_operation()
    {
        var first = Guid.NewGuid();
        JsonObject started = await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm], alertId: first)), HttpStatusCode.Accepted);
        string operationId = started["operationId"]!.GetValue<string>();

        // The action group delivers the same notification again: the same operation, not a new one.
        JsonObject again = await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm], alertId: first)), HttpStatusCode.Accepted);
        Assert.Equal(operationId, again["operationId"]!.GetValue<string>());
        Assert.False(again["created"]!.GetValue<bool>());

        // The rule fires again (a new alert instance) while the capture runs: the same incident.
        JsonObject repeat = await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm], alertId: Guid.NewGuid(), fired: "2026-12-07T09:31:00Z")), HttpStatusCode.OK);
        Assert.Equal(operationId, repeat["operationId"]!.GetValue<string>());
        Assert.Contains("already running", repeat["deduplicated"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, await CaptureCountAsync());

        // Once it has ended, the next firing captures again.
        await WaitForEndAsync(operationId);
        JsonObject later = await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm], alertId: Guid.NewGuid(), fired: "2026-12-07T09:40:00Z")), HttpStatusCode.Accepted);
        Assert.NotEqual(operationId, later["operationId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_resolved_notification_starts_nothing()
    {
        JsonObject answer = await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm], condition: "Resolved")), HttpStatusCode.OK);

        Assert.Contains("Resolved", answer["ignored"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await CaptureCountAsync());
    }

    [Fact]
    public async Task An_alert_no_policy_answers_starts_nothing_and_says_so()
    {
        JsonObject answer = await ExpectAsync(await PostAlertAsync(Alert("cpu-high", "Metric", [Vm])), HttpStatusCode.OK);

        Assert.Contains("no capture policy answers the alert rule 'cpu-high'", answer["ignored"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await CaptureCountAsync());
    }

    [Fact]
    public async Task The_per_rule_cap_refuses_the_capture_over_it_with_429_and_retry_after()
    {
        // MaxCapturesPerHour 2: three VMs (no deduplication between them), the third is over the cap.
        for (int i = 1; i <= 2; i++)
        {
            await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm + i])), HttpStatusCode.Accepted);
        }

        using HttpResponseMessage third = await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm + 3]));

        JsonObject problem = await ExpectAsync(third, HttpStatusCode.TooManyRequests);
        Assert.Contains("started 2 captures in the last hour; policy 'vm-unreachable' allows 2", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.InRange(int.Parse(third.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 3000, 3600);
        Assert.Equal(2, await CaptureCountAsync());
    }

    [Fact]
    public async Task A_log_search_alert_on_a_vpn_gateway_matched_by_rule_id_captures_the_gateway()
    {
        JsonObject payload = Alert("VPN tunnel down (renamed)", "Log", [Gateway], ruleId: VpnRuleId, monitoringService: "Log Alerts V2");

        JsonObject accepted = await ExpectAsync(await PostAlertAsync(payload), HttpStatusCode.Accepted);

        CaptureOperation operation = await InputOfAsync(accepted["operationId"]!.GetValue<string>());
        Assert.Equal(TargetKind.VpnGateway, Assert.Single(operation.Targets).Kind);
        Assert.Equal("vpn-tunnel-down", operation.Alert!.Policy);
        Assert.Equal(3, operation.DurationSeconds);
    }

    [Fact]
    public async Task A_connection_monitor_failure_captures_at_the_tests_source_toward_its_destination()
    {
        JsonObject payload = Alert("app-to-sql-failing", "Metric", [ConnectionMonitor], dimensions:
        [
            ("SourceName", "vm-app"), ("SourceResourceId", Vm), ("DestinationAddress", "10.2.0.20"), ("DestinationPort", "1433"), ("Protocol", "Tcp"),
        ]);

        JsonObject accepted = await ExpectAsync(await PostAlertAsync(payload), HttpStatusCode.Accepted);

        CaptureOperation operation = await InputOfAsync(accepted["operationId"]!.GetValue<string>());
        Assert.Equal(Vm, Assert.Single(operation.Targets).ResourceId.ToString(), ignoreCase: true);
        Assert.Equal("10.2.0.20", operation.Filter.RemoteIp);
        Assert.Equal(1433, operation.Filter.RemotePort);
        Assert.Equal("TCP", operation.Filter.Protocol, ignoreCase: true);
    }

    [Theory]
    [InlineData("schema", "schemaId", "is not the common alert schema")]
    [InlineData("no-targets", "data.essentials.alertTargetIDs", "required")]
    [InlineData("storage-target", "data.essentials.alertTargetIDs[0]", "Microsoft.Storage/storageAccounts cannot be captured")]
    [InlineData("monitor-without-source", "data.alertContext.condition.allOf[].dimensions", "split the alert rule by the SourceResourceId dimension")]
    [InlineData("bad-condition", "data.essentials.monitorCondition", "neither Fired nor Resolved")]
    public async Task A_payload_the_service_cannot_act_on_is_a_400_naming_the_field(string kind, string field, string message)
    {
        JsonObject payload = kind switch
        {
            "schema" => Alert("vm-unreachable", "Metric", [Vm]).Also(p => p["schemaId"] = "Microsoft.Insights/activityLogs"),
            "no-targets" => Alert("vm-unreachable", "Metric", [Vm]).Also(p => p["data"]!["essentials"]!.AsObject().Remove("alertTargetIDs")),
            "storage-target" => Alert("storage-latency", "Log", [$"/subscriptions/{Sub}/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/logs"], ruleId: VpnRuleId),
            "monitor-without-source" => Alert("app-to-sql-failing", "Metric", [ConnectionMonitor]),
            _ => Alert("vm-unreachable", "Metric", [Vm], condition: "Acknowledged"),
        };

        JsonObject problem = await ExpectAsync(await PostAlertAsync(payload), HttpStatusCode.BadRequest);

        Assert.Contains(message, problem["errors"]![field]![0]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase); // Azure sends ids lower-cased
        Assert.Equal(0, await CaptureCountAsync());
    }

    [Fact]
    public async Task A_target_outside_the_allowed_scopes_is_a_403_naming_the_alert_field()
    {
        JsonObject problem = await ExpectAsync(
            await PostAlertAsync(Alert("vm-unreachable", "Metric", [$"/subscriptions/{Sub}/resourceGroups/finance/providers/Microsoft.Compute/virtualMachines/ledger"])),
            HttpStatusCode.Forbidden);

        Assert.Contains("is outside the scopes this service may act on", problem["errors"]!["data.essentials.alertTargetIDs[0]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "the alert key is missing")]
    [InlineData("wrong-key", "does not match CaptureOrchestrator:Alerts:Key")]
    public async Task Without_the_url_key_an_alert_is_refused(string? code, string reason)
    {
        using HttpResponseMessage response = await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm]), code);

        JsonObject problem = await ExpectAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(reason, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await CaptureCountAsync());
    }

    [Fact]
    public async Task Entra_tokens_of_the_secure_webhook_are_checked_for_issuer_audience_signature_lifetime_and_role()
    {
        const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        const string Audience = "api://capture-orchestrator-alerts";
        using RSA tenantKey = RSA.Create(2048);
        using RSA rolledKey = RSA.Create(2048);
        using RSA strangerKey = RSA.Create(2048);
        var published = new List<(string Kid, RSA Key)> { ("kid-1", tenantKey) };
        await using LoopbackHttpsServer tenant = await LoopbackHttpsServer.StartAsync();
        string issuer = new Uri(tenant.BaseUri, $"/{Tenant}/v2.0").AbsoluteUri;
        tenant.Responder = request => request.Path switch
        {
            var p when p.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal) => new Reply(200, new JsonObject
            {
                ["issuer"] = issuer,
                ["jwks_uri"] = new Uri(tenant.BaseUri, $"/{Tenant}/discovery/v2.0/keys").AbsoluteUri,
            }.ToJsonString()),
            var p when p.EndsWith("/keys", StringComparison.Ordinal) => new Reply(200, Jwks(published)),
            _ => new Reply(404),
        };
        await RestartAsync(settings =>
        {
            settings.Remove("CaptureOrchestrator:Alerts:Key"); // the token alone decides
            settings["CaptureOrchestrator:Alerts:Entra:TenantId"] = Tenant;
            settings["CaptureOrchestrator:Alerts:Entra:Audience"] = Audience;
            settings["CaptureOrchestrator:Alerts:Entra:MetadataAddress"] = new Uri(tenant.BaseUri, $"/{Tenant}/v2.0/.well-known/openid-configuration").AbsoluteUri;
            settings["CaptureOrchestrator:Alerts:Entra:TrustedCertificateThumbprint"] = tenant.CertificateThumbprint;
        });
        string Token(RSA key, string kid, string? aud = null, string? iss = null, string? role = "ActionGroupsSecureWebhook", DateTime? expires = null) =>
            new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = iss ?? issuer,
                Audience = aud ?? Audience,
                Expires = expires ?? DateTime.UtcNow.AddMinutes(30),
                NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(30)).AddHours(-1),
                IssuedAt = (expires ?? DateTime.UtcNow.AddMinutes(30)).AddHours(-1),
                Subject = new ClaimsIdentity(role is null ? [] : [new Claim("roles", role)]),
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
            });

        (string? Token, string Reason)[] refused =
        [
            (null, "a Microsoft Entra bearer token is required"),
            (Token(tenantKey, "kid-1", aud: "api://someone-else"), "its audience is not"),
            (Token(tenantKey, "kid-1", iss: "https://login.microsoftonline.com/another-tenant/v2.0"), "its issuer is not the configured tenant"),
            (Token(strangerKey, "kid-1"), "its signature does not verify"),
            (Token(tenantKey, "kid-1", expires: DateTime.UtcNow.AddMinutes(-10)), "it has expired"),
            (Token(tenantKey, "kid-1", role: null), "does not carry the app role 'ActionGroupsSecureWebhook'"),
            ("not-a-jwt", "it is not a JWT"),
        ];
        foreach ((string? token, string reason) in refused)
        {
            JsonObject problem = await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm]), code: null, bearer: token), HttpStatusCode.Unauthorized);
            Assert.Contains(reason, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.Equal(0, await CaptureCountAsync());
        await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm + "a"]), code: null, bearer: Token(tenantKey, "kid-1")), HttpStatusCode.Accepted);

        // The tenant rolls its keys: a token with the new key fetches the keys again, once.
        published.Add(("kid-2", rolledKey));
        await ExpectAsync(await PostAlertAsync(Alert("vm-unreachable", "Metric", [Vm + "b"]), code: null, bearer: Token(rolledKey, "kid-2")), HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_killed_serve_process_still_knows_its_alert_captures_after_restart()
    {
        // The real serve process, configured through its environment; its data folder outlives the kill.
        var settings = new Dictionary<string, string?>(_settings)
        {
            ["CaptureOrchestrator:DataFolder"] = Path.Combine(_data, "serve"),
            ["CaptureOrchestrator:Alerts:Policies:0:DurationSeconds"] = "120", // still capturing after the restart
        };
        string urls = $"http://127.0.0.1:{ServeProcess.FreePort()}";
        var server = new Uri(urls);
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        var alertId = Guid.NewGuid();
        string operationId;
        await using (ServeProcess serve = ServeProcess.Start(urls, settings, ["--sandbox"]))
        {
            await serve.WaitUntilServingAsync(server);
            operationId = (await ExpectAsync(await PostAlertAsync(http, Alert("vm-unreachable", "Metric", [Vm], alertId: alertId)), HttpStatusCode.Accepted))["operationId"]!.GetValue<string>();
            await serve.WaitForLineAsync(line => line.Contains("StartCapture", StringComparison.Ordinal)).WaitAsync(TimeSpan.FromSeconds(60));
            await serve.KillAsync();
        }

        await using ServeProcess again = ServeProcess.Start(urls, settings, ["--sandbox"]);
        await again.WaitUntilServingAsync(server);

        // The action group retries the notification the killed process took: the same operation.
        JsonObject redelivered = await ExpectAsync(await PostAlertAsync(http, Alert("vm-unreachable", "Metric", [Vm], alertId: alertId)), HttpStatusCode.Accepted);
        Assert.Equal(operationId, redelivered["operationId"]!.GetValue<string>());
        Assert.False(redelivered["created"]!.GetValue<bool>());

        // The rule fires again: the capture from before the kill is still the one running.
        JsonObject repeat = await ExpectAsync(await PostAlertAsync(http, Alert("vm-unreachable", "Metric", [Vm], fired: "2026-12-07T09:35:00Z")), HttpStatusCode.OK);
        Assert.Equal(operationId, repeat["operationId"]!.GetValue<string>());
    }

    private async Task StartAsync(Action<Dictionary<string, string?>> configure)
    {
        _settings.Clear();
        foreach ((string key, string? value) in new Dictionary<string, string?>
        {
            ["CaptureOrchestrator:DataFolder"] = _data,
            ["CaptureOrchestrator:Api:SigningKey"] = "signing-key",
            ["CaptureOrchestrator:Api:RequestsPerMinute"] = "100000",
            ["CaptureOrchestrator:Limits:MinDurationSeconds"] = "2",
            ["CaptureOrchestrator:Limits:AllowedScopes:0"] = $"/subscriptions/{Sub}/resourceGroups/app",
            ["CaptureOrchestrator:Limits:AllowedScopes:1"] = $"/subscriptions/{Sub}/resourceGroups/hub",
            ["CaptureOrchestrator:Timings:FirstPollSeconds"] = "1",
            ["CaptureOrchestrator:Timings:MaxPollSeconds"] = "2",
            ["CaptureOrchestrator:Sweeper:IntervalMinutes"] = "0",
            ["CaptureOrchestrator:Alerts:Key"] = Key,
            ["CaptureOrchestrator:Alerts:Policies:0:Name"] = "vm-unreachable",
            ["CaptureOrchestrator:Alerts:Policies:0:Rules:0"] = "vm-unreachable",
            ["CaptureOrchestrator:Alerts:Policies:0:SignalTypes:0"] = "Metric",
            ["CaptureOrchestrator:Alerts:Policies:0:TargetTypes:0"] = "Microsoft.Compute/virtualMachines",
            ["CaptureOrchestrator:Alerts:Policies:0:DurationSeconds"] = "2",
            ["CaptureOrchestrator:Alerts:Policies:0:MaxCapturesPerHour"] = "2",
            ["CaptureOrchestrator:Alerts:Policies:1:Name"] = "vpn-tunnel-down",
            ["CaptureOrchestrator:Alerts:Policies:1:Rules:0"] = VpnRuleId,
            ["CaptureOrchestrator:Alerts:Policies:1:DurationSeconds"] = "3",
            ["CaptureOrchestrator:Alerts:Policies:2:Name"] = "connection-monitor",
            ["CaptureOrchestrator:Alerts:Policies:2:Rules:0"] = "app-to-sql-failing",
            ["CaptureOrchestrator:Alerts:Policies:2:TargetTypes:0"] = "Microsoft.Network/networkWatchers/connectionMonitors",
            ["CaptureOrchestrator:Alerts:Policies:2:DurationSeconds"] = "2",
        })
        {
            _settings[key] = value;
        }

        configure(_settings);
        (_app, _http) = await InProcessServer.StartAsync(_settings, sandbox: true);
    }

    private async Task RestartAsync(Action<Dictionary<string, string?>> configure)
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
        await StartAsync(configure);
    }

    /// <summary>An action group's notification in the common alert schema (shape of the "Sample alert payloads" page).</summary>
    private static JsonObject Alert(string rule, string signal, string[] targets, Guid? alertId = null, string condition = "Fired", string fired = "2026-12-07T09:30:00Z",
        string? ruleId = null, string monitoringService = "Platform", (string Name, string Value)[]? dimensions = null) => new()
    {
        ["schemaId"] = "azureMonitorCommonAlertSchema",
        ["data"] = new JsonObject
        {
            ["essentials"] = new JsonObject
            {
                ["alertId"] = $"/subscriptions/{Sub}/providers/Microsoft.AlertsManagement/alerts/{alertId ?? Guid.NewGuid()}",
                ["alertRule"] = rule,
                ["alertRuleID"] = ruleId,
                ["severity"] = "Sev2",
                ["signalType"] = signal,
                ["monitorCondition"] = condition,
                ["monitoringService"] = monitoringService,
                ["alertTargetIDs"] = new JsonArray([.. targets.Select(t => (JsonNode)t.ToLowerInvariant())]), // Azure sends them lower-cased
                ["configurationItems"] = new JsonArray([.. targets.Select(t => (JsonNode)t[(t.LastIndexOf('/') + 1)..])]),
                ["originAlertId"] = "3f2d4487-b0fc-4125-8bd5-7ad17384221e_rg_microsoft.insights_metricAlerts_" + rule,
                ["firedDateTime"] = fired,
                ["resolvedDateTime"] = condition == "Resolved" ? "2026-12-07T09:45:00Z" : null,
                ["description"] = string.Empty,
                ["essentialsVersion"] = "1.0",
                ["alertContextVersion"] = "1.0",
            },
            ["alertContext"] = new JsonObject
            {
                ["properties"] = null,
                ["conditionType"] = "SingleResourceMultipleMetricCriteria",
                ["condition"] = new JsonObject
                {
                    ["windowSize"] = "PT5M",
                    ["allOf"] = new JsonArray(new JsonObject
                    {
                        ["metricName"] = signal == "Metric" ? "ChecksFailedPercent" : null,
                        ["operator"] = "GreaterThan",
                        ["threshold"] = "5",
                        ["timeAggregation"] = "Average",
                        ["dimensions"] = new JsonArray([.. (dimensions ?? []).Select(d => (JsonNode)new JsonObject { ["name"] = d.Name, ["value"] = d.Value })]),
                        ["metricValue"] = 100.0,
                    }),
                },
            },
            ["customProperties"] = null,
        },
    };

    private Task<HttpResponseMessage> PostAlertAsync(JsonObject payload, string? code = Key, string? bearer = null) => PostAlertAsync(_http, payload, code, bearer);

    private static Task<HttpResponseMessage> PostAlertAsync(HttpClient http, JsonObject payload, string? code = Key, string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, code is null ? "/api/alerts" : $"/api/alerts?code={Uri.EscapeDataString(code)}")
        {
            Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return http.SendAsync(request);
    }

    private static async Task<JsonObject> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
            return JsonNode.Parse(body)!.AsObject();
        }
    }

    private IWorkflowClient Workflows => _app.Services.GetRequiredService<Composition>().Client;

    private async Task<CaptureOperation> InputOfAsync(string operationId) =>
        JsonSerializer.Deserialize<CaptureOperation>((await Workflows.GetInstanceAsync(operationId, getInputsAndOutputs: true))!.SerializedInput!, WorkflowSerializer.Options)!;

    private async Task<int> CaptureCountAsync()
    {
        int count = 0;
        await foreach (WorkflowMetadata instance in Workflows.GetAllInstancesAsync(new WorkflowQuery()))
        {
            count += instance.Name == PacketCaptureWorkflow.Name ? 1 : 0;
        }

        return count;
    }

    private async Task<JsonObject> WaitForEndAsync(string operationId)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            WorkflowMetadata instance = (await Workflows.GetInstanceAsync(operationId, getInputsAndOutputs: true))!;
            if (instance.RuntimeStatus is not (WorkflowRuntimeStatus.Running or WorkflowRuntimeStatus.Pending))
            {
                return new JsonObject { ["result"] = JsonNode.Parse(instance.SerializedOutput!) };
            }

            Assert.True(DateTime.UtcNow < giveUp, $"{operationId} did not end within 90 s");
            await Task.Delay(200);
        }
    }

    private static string Jwks(IEnumerable<(string Kid, RSA Key)> keys) => new JsonObject
    {
        ["keys"] = new JsonArray([.. keys.Select(k =>
        {
            RSAParameters p = k.Key.ExportParameters(includePrivateParameters: false);
            return (JsonNode)new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = k.Kid, ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) };
        })]),
    }.ToJsonString();
}

internal static class JsonObjectExtensions
{
    /// <summary>The object after a change (for building variants inline).</summary>
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
