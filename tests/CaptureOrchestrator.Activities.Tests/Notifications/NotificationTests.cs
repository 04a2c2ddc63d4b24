using System.Text;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Activities.Notifications;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Notifications;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Activities.Tests.Notifications;

public sealed class NotificationTests
{
    private static readonly byte[] Secret = "a-test-secret-that-is-long-enough"u8.ToArray();
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private const string Vm = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1";

    private static NotificationInput Input(int findings, int targets = 1)
    {
        var operation = new CaptureOperation
        {
            OperationId = "op-1",
            Ticket = new TicketKey("servicenow", "INC0012345", null),
            Targets = [],
            Filter = TrafficFilter.Any,
            DurationSeconds = 300,
            MaxBytesPerTarget = 1,
        };
        FindingSummary[] list = Enumerable.Range(0, findings).Select(i => new FindingSummary($"CODE_{i}", FindingSeverity.Error, new string('x', 200) + i)).ToArray();
        TargetOutcome[] outcomes = Enumerable.Range(0, targets)
            .Select(i => new TargetOutcome(i, Vm + i, TargetKind.VirtualMachine, TargetState.Analyzed, new TargetAnalysis("Server resets connections", list, 10, 1, "r"), null, []))
            .ToArray();
        return new NotificationInput(NotificationChannel.Teams, NotificationKind.CaptureCompleted, operation, CaptureStatus.Succeeded, outcomes, new ReportLinks("https://st/r.json?sig=1", "https://st/r.md?sig=1", ["https://st/e.pcap?sig=1"]));
    }

    [Fact]
    public void A_capture_card_uses_the_teams_envelope_and_links_the_report()
    {
        JsonObject card = TeamsCards.ForCapture(Input(findings: 2));

        Assert.Equal("message", card["type"]!.GetValue<string>());
        JsonObject attachment = card["attachments"]![0]!.AsObject();
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment["contentType"]!.GetValue<string>());
        JsonObject content = attachment["content"]!.AsObject();
        Assert.Equal("AdaptiveCard", content["type"]!.GetValue<string>());
        string json = card.ToJsonString();
        Assert.Contains("CODE_0", json, StringComparison.Ordinal);
        Assert.Contains("CODE_1", json, StringComparison.Ordinal);
        Assert.Contains("https://st/r.md?sig=1", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500, 1)]
    [InlineData(40, 10)]
    [InlineData(3, 400)]
    public void A_card_stays_under_the_teams_size_limit_however_many_findings_and_says_what_it_left_out(int findings, int targets)
    {
        JsonObject card = TeamsCards.ForCapture(Input(findings, targets));

        string json = card.ToJsonString();
        Assert.True(Encoding.UTF8.GetByteCount(json) <= TeamsCards.MaxBytes, $"card is {Encoding.UTF8.GetByteCount(json)} bytes");
        Assert.True(json.Contains("more finding", StringComparison.Ordinal) || json.Contains("too many to list", StringComparison.Ordinal));
    }

    [Fact]
    public void A_flow_trace_card_says_on_until_when_and_for_whom()
    {
        var notice = new FlowTraceNotice(NotificationKind.FlowTraceEnabled, ArmResourceId.Parse("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/net/providers/Microsoft.Network/azureFirewalls/fw1"),
            [new LeaseHolder("servicenow:INC1", new DateTime(2026, 11, 21, 10, 0, 0, DateTimeKind.Utc))], new DateTime(2026, 11, 21, 10, 0, 0, DateTimeKind.Utc), null);

        string json = TeamsCards.ForFlowTrace(notice).ToJsonString();

        Assert.Contains("flow trace is ON", json, StringComparison.Ordinal);
        Assert.Contains("2026-11-21 10:00 UTC", json, StringComparison.Ordinal);
        Assert.Contains("servicenow:INC1", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_verifies_for_the_same_request_and_secret_within_the_window()
    {
        byte[] body = "{\"ticket\":1}"u8.ToArray();
        string header = HmacSignature.Create(Secret, "POST", "/api/captures", body, Now);

        Assert.True(HmacSignature.Verify(Secret, "POST", "/api/captures", body, header, Now.AddMinutes(4), HmacSignature.DefaultWindow, out string reason, out _), reason);
        Assert.Matches("^t=[0-9]+,n=[0-9a-f]{24},v2=[0-9a-f]{64}$", header);
        Assert.NotEqual(header, HmacSignature.Create(Secret, "POST", "/api/captures", body, Now)); // a fresh nonce each time
    }

    [Theory]
    [InlineData("tampered body")]
    [InlineData("other method")]
    [InlineData("other path")]
    [InlineData("other query")]
    [InlineData("other secret")]
    [InlineData("replayed late")]
    [InlineData("from the future")]
    [InlineData("missing")]
    [InlineData("garbage")]
    [InlineData("no nonce")]
    public void A_signature_fails_for_any_change_replay_or_malformation(string attack)
    {
        byte[] body = "{\"ticket\":1}"u8.ToArray();
        string header = HmacSignature.Create(Secret, "POST", "/api/captures?x=1", body, Now);
        (byte[] secret, string method, string path, byte[] sentBody, string? sentHeader, DateTimeOffset at) = attack switch
        {
            "tampered body" => (Secret, "POST", "/api/captures?x=1", "{\"ticket\":2}"u8.ToArray(), header, Now),
            "other method" => (Secret, "DELETE", "/api/captures?x=1", body, header, Now),
            "other path" => (Secret, "POST", "/api/triage?x=1", body, header, Now),
            "other query" => (Secret, "POST", "/api/captures?x=2", body, header, Now),
            "other secret" => ("another-secret"u8.ToArray(), "POST", "/api/captures?x=1", body, header, Now),
            "replayed late" => (Secret, "POST", "/api/captures?x=1", body, header, Now.AddMinutes(6)),
            "from the future" => (Secret, "POST", "/api/captures?x=1", body, header, Now.AddMinutes(-6)),
            "missing" => (Secret, "POST", "/api/captures?x=1", body, null, Now),
            "no nonce" => (Secret, "POST", "/api/captures?x=1", body, header.Split(',')[0] + "," + header.Split(',')[2], Now),
            _ => (Secret, "POST", "/api/captures?x=1", body, "t=abc,n=zzzzzzzz,v2=zz", Now),
        };

        Assert.False(HmacSignature.Verify(secret, method, path, sentBody, sentHeader, at, HmacSignature.DefaultWindow, out string reason, out bool outdated));
        Assert.NotEmpty(reason);
        Assert.False(outdated);
    }

    [Fact]
    public void A_version_one_signature_is_refused_as_outdated_saying_what_to_sign()
    {
        Assert.False(HmacSignature.Verify(Secret, "POST", "/api/captures", [], "t=1764000000,v1=00ff", Now, HmacSignature.DefaultWindow, out string reason, out bool outdated));

        Assert.True(outdated);
        Assert.Contains("version 2", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_replay_guard_takes_a_signature_once_and_forgets_it_after_two_windows()
    {
        var clock = new ManualClock(Now);
        var guard = new ReplayGuard(clock, TimeSpan.FromMinutes(5));

        Assert.True(guard.FirstUse("t=1,n=aaaaaaaa,v2=01"));
        Assert.False(guard.FirstUse("t=1,n=aaaaaaaa,v2=01"));
        Assert.True(guard.FirstUse("t=1,n=bbbbbbbb,v2=01"));
        clock.Now = Now.AddMinutes(11);
        Assert.True(guard.FirstUse("t=1,n=aaaaaaaa,v2=01")); // long outside any window it could verify in
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void The_ticket_note_leads_with_the_verdict_and_the_callback_carries_the_ticket_and_findings()
    {
        NotificationInput input = Input(findings: 2);

        string note = TicketNote.PlainText(input);
        JsonObject callback = TicketNote.Callback(input);

        Assert.StartsWith("CaptureOrchestrator: capture Succeeded", note, StringComparison.Ordinal);
        Assert.Contains("Verdict: Server resets connections", note, StringComparison.Ordinal);
        Assert.Equal("INC0012345", callback["ticket"]!["id"]!.GetValue<string>());
        Assert.Equal(2, callback["targets"]![0]!["findings"]!.AsArray().Count);
    }

    [Fact]
    public void The_html_page_is_what_the_note_links_and_the_card_opens_and_the_callback_carries()
    {
        NotificationInput input = Input(findings: 1) with { Links = new ReportLinks("https://st/r.json?sig=1", "https://st/r.md?sig=1", [], "https://st/r.html?sig=1") };

        Assert.Contains("Report (link valid for a limited time): https://st/r.html?sig=1", TicketNote.PlainText(input), StringComparison.Ordinal);
        Assert.Equal("https://st/r.html?sig=1", TicketNote.Callback(input)["report"]!["html"]!.GetValue<string>());
        JsonArray actions = TeamsCards.ForCapture(input)["attachments"]![0]!["content"]!["actions"]!.AsArray();
        Assert.Equal(["Report", "Markdown", "JSON"], actions.Select(a => a!["title"]!.GetValue<string>()));
        Assert.Equal("https://st/r.html?sig=1", actions[0]!["url"]!.GetValue<string>());
    }

    [Fact]
    public void Without_a_page_the_report_button_opens_the_markdown_as_before()
    {
        JsonArray actions = TeamsCards.ForCapture(Input(findings: 1))["attachments"]![0]!["content"]!["actions"]!.AsArray();
        Assert.Equal("https://st/r.md?sig=1", actions.Single(a => a!["title"]!.GetValue<string>() == "Report")!["url"]!.GetValue<string>());
    }
}
