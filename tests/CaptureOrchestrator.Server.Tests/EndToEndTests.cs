using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Core.Notifications;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

[CollectionDefinition(Name)]
public sealed class PlainAzuriteCollection : ICollectionFixture<PlainAzurite>
{
    public const string Name = "Plain Azurite";
}

/// <summary>
/// The product end to end over real HTTP: a signed ticket-system request, the embedded engine, the
/// fake Network Watcher writing a real capture into Azurite, the analysis, the report in storage,
/// and the Teams card and ticket callback arriving at the receiver.
/// </summary>
[Collection(PlainAzuriteCollection.Name)]
public sealed class EndToEndTests(PlainAzurite azurite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AzuriteFact]
    public async Task A_signed_request_ends_with_findings_in_storage_on_teams_and_in_the_signed_ticket_callback()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        string callback = new Uri(rig.Receiver.BaseUri, "/ticket-callback").AbsoluteUri;

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010001", callback: callback));
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        Assert.True(status["runtimeStatus"]!.GetValue<string>() == "Completed", status.ToJsonString() + "\nARM saw: " + string.Join("\n", rig.Arm.Server.Requests.Select(r => r.Method + " " + r.Path + " " + r.Body)));
        JsonObject result = status["result"]!.AsObject();
        Assert.Equal("Succeeded", result["status"]!.GetValue<string>());
        JsonNode target = result["targets"]![0]!;
        Assert.Equal("Analyzed", target["state"]!.GetValue<string>());
        string[] codes = target["analysis"]!["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()).ToArray();
        Assert.Contains("TCP_SYN_UNANSWERED", codes);
        Assert.Contains("TCP_CONNECTION_REFUSED", codes);
        Assert.Contains("TCP_RESET_MIDSTREAM", codes);

        // The report is in storage under the operation id, and the link the ticket got reads it.
        string[] stored = azurite.Container("reports").GetBlobs(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, operationId + "/", CancellationToken.None).Select(b => b.Name).ToArray();
        Assert.Contains(operationId + "/report.md", stored);
        Assert.Contains(stored, n => n.EndsWith(".evidence.pcap", StringComparison.Ordinal));
        string markdownLink = result["report"]!["markdown"]!.GetValue<string>();
        using HttpClient plain = azurite.CreateHttpClient();
        Assert.Contains("TCP_RESET_MIDSTREAM", await plain.GetStringAsync(markdownLink), StringComparison.Ordinal);

        // Teams got the card, the ticket system a callback it can verify.
        (string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)[] received = rig.Receiver.Received.ToArray();
        var teams = received.Single(r => r.Path == "/teams");
        Assert.Contains("TCP_SYN_UNANSWERED", Encoding.UTF8.GetString(teams.Body), StringComparison.Ordinal);
        var ticket = received.Single(r => r.Path == "/ticket-callback");
        Assert.True(HmacSignature.Verify(Encoding.UTF8.GetBytes(OrchestratorRig.CallbackKey), "POST", "/ticket-callback", ticket.Body, ticket.Headers[HmacSignature.HeaderName], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), out string reason, out _), reason);
        Assert.Equal("INC0010001", JsonNode.Parse(ticket.Body)!["ticket"]!["id"]!.GetValue<string>());

        // Nothing left running: the capture session was deleted.
        Assert.Empty(rig.Arm.LiveSessions);
        Assert.Single(rig.Arm.Deleted);
    }

    [AzuriteFact]
    public async Task A_path_operation_leads_with_where_packets_stop_between_its_targets()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        // vm1 (the client's side) sees the demo's connections; vm2, next on the path, sees only its own web traffic.
        var downstream = new Analysis.Scenarios.ScenarioBuilder(new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));
        downstream.Tcp("10.9.0.4:40000", "10.9.0.10:443").Handshake().ClientSends(500).ServerSends(3000).Close();
        rig.Arm.VmCaptures["vm2"] = downstream.ToArray();
        string callback = new Uri(rig.Receiver.BaseUri, "/ticket-callback").AbsoluteUri;
        var request = new
        {
            ticket = new { system = "servicenow", id = "INC0010020" },
            targets = new[] { new { resourceId = FakeNetworkWatcher.Vm }, new { resourceId = FakeNetworkWatcher.Vm2 } },
            filter = new { localIp = "10.1.0.4" },
            durationSeconds = 2,
            callbackUrl = callback,
            path = true,
        };

        string operationId = await rig.StartCaptureAsync(request);
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        JsonObject result = status["result"]!.AsObject();
        JsonObject path = result["path"]!.AsObject();
        Assert.Equal(["vm1", "vm2"], path["points"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal("vm2", path["stopsAt"]!.GetValue<string>());
        string verdict = path["verdict"]!.GetValue<string>();
        Assert.Contains("vm1", verdict, StringComparison.Ordinal);
        Assert.Contains("vm2", verdict, StringComparison.Ordinal);
        Assert.All(path["flows"]!.AsArray(), f => Assert.False(f!["hops"]![1]!["seen"]!.GetValue<bool>()));

        // Each target keeps its own findings under the path verdict.
        Assert.Contains("TCP_SYN_UNANSWERED", result["targets"]![0]!["analysis"]!["findings"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));

        // The card and the ticket lead with the path; the operation page draws it with the stop marked.
        Assert.Contains("Path vm1 → vm2:", System.Text.RegularExpressions.Regex.Unescape(Assert.Single(rig.TeamsCards)), StringComparison.Ordinal);
        var ticket = rig.Receiver.Received.Single(r => r.Path == "/ticket-callback");
        Assert.Equal("vm2", JsonNode.Parse(ticket.Body)!["path"]!["stopsAt"]!.GetValue<string>());
        using HttpClient plain = azurite.CreateHttpClient();
        string page = await plain.GetStringAsync(result["report"]!["html"]!.GetValue<string>());
        Assert.Contains("<svg class=\"path\"", page, StringComparison.Ordinal);
        Assert.Contains("data-stop=\"vm2\"", page, StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task A_path_needs_two_targets_and_says_so_naming_the_field()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);

        HttpResponseMessage refused = await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", new
        {
            ticket = new { system = "servicenow", id = "INC0010021" },
            targets = new[] { new { resourceId = FakeNetworkWatcher.Vm } },
            durationSeconds = 2,
            path = true,
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("at least two targets", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["errors"]!["path"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task A_capture_file_that_never_arrives_ends_at_the_deadline_cleaned_up_and_the_ticket_is_told_why()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        rig.Arm.WritesFiles = false;
        string callback = new Uri(rig.Receiver.BaseUri, "/ticket-callback").AbsoluteUri;

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010002", callback: callback));
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        JsonObject result = status["result"]!.AsObject();
        Assert.Equal("Failed", result["status"]!.GetValue<string>());
        Assert.Equal("NoFile", result["targets"]![0]!["state"]!.GetValue<string>());
        Assert.Empty(rig.Arm.LiveSessions);
        var ticket = rig.Receiver.Received.Single(r => r.Path == "/ticket-callback");
        Assert.Contains("did not appear in storage", Encoding.UTF8.GetString(ticket.Body), StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task Cancel_mid_capture_stops_cleans_up_and_reports_cancelled()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010003", durationSeconds: 600));
        DateTime giveUp = DateTime.UtcNow + Patience;
        while (rig.Arm.LiveSessions.Any() is false && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(100);
        }

        HttpResponseMessage cancel = await rig.SendSignedAsync(HttpMethod.Post, $"/api/captures/{operationId}/cancel");
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("Cancelled", status["result"]!["status"]!.GetValue<string>());
        Assert.Empty(rig.Arm.LiveSessions);
        HttpResponseMessage again = await rig.SendSignedAsync(HttpMethod.Post, $"/api/captures/{operationId}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [AzuriteFact]
    public async Task Throttling_and_server_errors_from_arm_are_ridden_out()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        rig.Arm.ThrottleNextCreates(2);
        rig.Arm.FailNextRequests(2);

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010004"));
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        Assert.True(status["result"] is not null, status.ToJsonString());
        Assert.Equal("Succeeded", status["result"]!["status"]!.GetValue<string>());
    }

    [AzuriteFact]
    public async Task A_webhook_that_is_down_for_a_while_still_gets_the_card()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        rig.Receiver.BeDownFor(1);

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010005"));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(150));

        Assert.Equal(1, rig.Receiver.Refused);
        JsonNode teams = status["result"]!["deliveries"]!.AsArray().Single(d => d!["channel"]!.GetValue<string>() == "teams")!;
        Assert.True(teams["delivered"]!.GetValue<bool>());
        Assert.Single(rig.Receiver.Received, r => r.Path == "/teams");
    }

    [AzuriteFact]
    public async Task Each_channel_is_its_own_delivery_so_a_failing_ticket_note_is_retried_alone_and_every_request_carries_an_idempotency_key()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite, settings =>
        {
            settings["CaptureOrchestrator:Notifications:TicketSystem"] = "servicenow";
            settings["CaptureOrchestrator:Notifications:TicketSystemAuthorization"] = "Basic dGVzdDp0ZXN0";
        });
        rig.Settings["CaptureOrchestrator:Notifications:TicketSystemUrl"] = rig.Receiver.BaseUri.AbsoluteUri;
        await rig.RestartAsync();
        rig.Receiver.Answer("GET", "/api/now/table/incident", """{"result":[{"sys_id":"6816f79cc0a8016401c5a33be04be441"}]}""");
        rig.Receiver.FailNext("PATCH", "/api/now/table/incident/", 1); // ServiceNow is down for the first note
        string callback = new Uri(rig.Receiver.BaseUri, "/ticket-callback").AbsoluteUri;

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010008", callback: callback));
        JsonObject status = await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(150));

        JsonArray deliveries = status["result"]!["deliveries"]!.AsArray();
        Assert.Equal(["teams:true:1", "callback:true:1", "ticket:true:2"], deliveries.Select(d => $"{d!["channel"]}:{d["delivered"]}:{d["attempts"]}"));
        Assert.Single(rig.Receiver.Received, r => r.Path == "/ticket-callback"); // not sent again when the note was retried
        (string Method, string Path, IReadOnlyDictionary<string, string> Headers)[] notes = [.. rig.Receiver.Attempts.Where(a => a.Method == "PATCH")];
        Assert.Equal(2, notes.Length);
        Assert.Equal(notes[0].Headers["Idempotency-Key"], notes[1].Headers["Idempotency-Key"]); // a receiver can drop a repeat
        Assert.Equal($"{operationId}/ticket/CaptureCompleted", notes[0].Headers["Idempotency-Key"]);
        Assert.All(rig.Receiver.Attempts, a => Assert.True(a.Headers.ContainsKey("Idempotency-Key"), $"{a.Method} {a.Path} has no Idempotency-Key"));
        Assert.Equal(3, rig.Receiver.Attempts.Select(a => a.Headers["Idempotency-Key"]).Where(k => k.StartsWith(operationId, StringComparison.Ordinal)).Distinct().Count());
    }

    [AzuriteFact]
    public async Task The_operation_survives_a_server_restart_mid_capture()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010006", durationSeconds: 4));
        DateTime giveUp = DateTime.UtcNow + Patience;
        while (rig.Arm.LiveSessions.Any() is false && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(100);
        }

        await rig.RestartAsync();
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        Assert.Equal("Succeeded", status["result"]!["status"]!.GetValue<string>());
        Assert.Single(rig.Arm.Deleted);
    }

    [AzuriteFact]
    public async Task Triage_joins_the_path_checks_the_firewall_log_and_the_capture_into_one_verdict()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        var request = new
        {
            capture = new { ticket = new { system = "servicenow", id = "INC0010008" }, durationSeconds = 2 },
            path = new { virtualMachineId = FakeNetworkWatcher.Vm, protocol = "tcp", localIp = "10.1.0.4", remoteIp = "10.2.0.20", remotePort = 1433 },
            workspaceId = "63613592-b6f7-4c3d-a390-22ba13102111",
        };

        HttpResponseMessage started = await rig.SendSignedAsync(HttpMethod.Post, "/api/triage", request);
        string operationId = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["operationId"]!.GetValue<string>();
        JsonObject status;
        DateTime giveUp = DateTime.UtcNow + Patience;
        do
        {
            await Task.Delay(200);
            status = JsonNode.Parse(await (await rig.SendSignedAsync(HttpMethod.Get, $"/api/triage/{operationId}")).Content.ReadAsStringAsync())!.AsObject();
        }
        while (status["runtimeStatus"]!.GetValue<string>() is "Running" or "Pending" && DateTime.UtcNow < giveUp);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        string[] verdict = status["result"]!["verdict"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
        Assert.Equal("Next hop is the firewall (10.0.1.4) and the firewall log shows Deny by rule block-sql (3 rows).", verdict[0]);
        Assert.Contains(verdict, v => v.StartsWith("Capture on vm1:", StringComparison.Ordinal));
        Assert.Contains("BadArgumentError", status["result"]!["logs"]!["problem"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Succeeded", status["result"]!["capture"]!["status"]!.GetValue<string>());
    }

    [AzuriteFact]
    public async Task A_retried_post_returns_the_same_operation()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);

        string first = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010007", durationSeconds: 600, clientRequestId: "attempt-1"));
        string second = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010007", durationSeconds: 600, clientRequestId: "attempt-1"));
        string other = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010007", durationSeconds: 600, clientRequestId: "attempt-2", targets: FakeNetworkWatcher.Vm2));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        await rig.SendSignedAsync(HttpMethod.Post, $"/api/captures/{first}/cancel");
        await rig.SendSignedAsync(HttpMethod.Post, $"/api/captures/{other}/cancel");
        await rig.WaitForEndAsync(first, Patience);
        await rig.WaitForEndAsync(other, Patience);
    }

    [AzuriteFact]
    public async Task Two_targets_are_captured_in_parallel_and_reported_together()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010009", durationSeconds: 3, targets: [FakeNetworkWatcher.Vm, FakeNetworkWatcher.Vm2]));
        JsonObject status = await rig.WaitForEndAsync(operationId, Patience);

        JsonObject result = status["result"]!.AsObject();
        Assert.True(result["status"]!.GetValue<string>() == "Succeeded", status.ToJsonString());
        Assert.Equal(["Analyzed", "Analyzed"], result["targets"]!.AsArray().Select(t => t!["state"]!.GetValue<string>()));
        Assert.Equal([FakeNetworkWatcher.Vm, FakeNetworkWatcher.Vm2], result["targets"]!.AsArray().Select(t => t!["resourceId"]!.GetValue<string>()));

        // In parallel: both sessions were created before either was stopped.
        RecordedRequest[] arm = rig.Arm.Server.Requests.ToArray();
        int[] creates = Enumerable.Range(0, arm.Length).Where(i => arm[i] is { Method: "PUT" } && arm[i].Path.Contains("/packetCaptures/", StringComparison.Ordinal)).ToArray();
        int firstStop = Array.FindIndex(arm, r => r.Method == "POST" && r.Path.EndsWith("/stop", StringComparison.Ordinal));
        Assert.Equal(2, creates.Length);
        Assert.True(creates.Max() < firstStop, "the second capture started only after the first stopped");
        Assert.Equal(2, rig.Arm.Deleted.Count);

        string card = Assert.Single(rig.TeamsCards);
        Assert.Contains("vm1", card, StringComparison.Ordinal);
        Assert.Contains("vm2", card, StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task A_target_already_being_captured_is_refused_with_409_naming_the_operation_until_its_capture_stops()
    {
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite);
        string holder = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010010", durationSeconds: 600));

        HttpResponseMessage refused = await rig.SendSignedAsync(HttpMethod.Post, "/api/captures", OrchestratorRig.CaptureRequest("INC0010011", durationSeconds: 2, targets: [FakeNetworkWatcher.Vm2, FakeNetworkWatcher.Vm]));
        HttpResponseMessage triageRefused = await rig.SendSignedAsync(HttpMethod.Post, "/api/triage", new
        {
            capture = new { ticket = new { system = "servicenow", id = "INC0010012" }, durationSeconds = 2 },
            path = new { virtualMachineId = FakeNetworkWatcher.Vm, protocol = "tcp", localIp = "10.1.0.4", remoteIp = "10.2.0.20", remotePort = 1433 },
        });
        string elsewhere = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010013", durationSeconds: 2, targets: FakeNetworkWatcher.Vm2));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        JsonObject problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!.AsObject();
        string why = Assert.Single(problem["errors"]!["targets[1].resourceId"]!.AsArray())!.GetValue<string>();
        Assert.Contains(holder, why, StringComparison.Ordinal);
        Assert.Null(problem["errors"]!["targets[0].resourceId"]); // vm2 was free
        Assert.Equal(HttpStatusCode.Conflict, triageRefused.StatusCode);
        Assert.Contains(holder, JsonNode.Parse(await triageRefused.Content.ReadAsStringAsync())!["errors"]!["capture.targets[0].resourceId"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        await rig.WaitForEndAsync(elsewhere, Patience); // another target is not held up

        // Once the holder's capture is stopped, the target is free again.
        await rig.SendSignedAsync(HttpMethod.Post, $"/api/captures/{holder}/cancel");
        await rig.WaitForEndAsync(holder, Patience);
        string retried = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0010011", durationSeconds: 2, targets: [FakeNetworkWatcher.Vm2, FakeNetworkWatcher.Vm]));
        Assert.Equal("Succeeded", (await rig.WaitForEndAsync(retried, Patience))["result"]!["status"]!.GetValue<string>());
        // Nothing was started for the refused requests: sessions for the holder, the other target and the retry's two.
        Assert.Equal(4, rig.Arm.Server.Requests.Count(r => r.Method == "PUT" && r.Path.Contains("/packetCaptures/", StringComparison.Ordinal)));
    }
}
