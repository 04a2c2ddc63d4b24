using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Tests.Capture;

/// <summary>
/// Closed sets are types inside the workflow and the same strings as always on the wire: in
/// workflow histories (older instances must still read), status documents, callbacks.
/// </summary>
public sealed class WireFormatTests
{
    private static JsonObject Write<T>(T value) => JsonSerializer.SerializeToNode(value, WorkflowSerializer.Options)!.AsObject();

    [Fact]
    public void Outcome_status_target_state_channel_and_severity_are_written_as_the_strings_they_always_were()
    {
        var finding = new FindingSummary("TCP_SYN_UNANSWERED", FindingSeverity.Error, "SYNs to 10.2.0.20:1433 are not answered");
        var target = new TargetOutcome(0, "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm1", TargetKind.VirtualMachine, TargetState.NoFile,
            new TargetAnalysis("v", [finding], 1, 1, "r"), null, []);
        var outcome = new CaptureOutcome("op-1", CaptureStatus.PartiallySucceeded, [target], null, [new DeliveryResult(NotificationChannel.Teams, true, 1, null)], []);

        JsonObject json = Write(outcome);

        Assert.Equal("PartiallySucceeded", json["status"]!.GetValue<string>());
        Assert.Equal("NoFile", json["targets"]![0]!["state"]!.GetValue<string>());
        Assert.Equal("error", json["targets"]![0]!["analysis"]!["findings"]![0]!["severity"]!.GetValue<string>());
        Assert.Equal("teams", json["deliveries"]![0]!["channel"]!.GetValue<string>());
        Assert.Equal(outcome.Status, JsonSerializer.Deserialize<CaptureOutcome>(json, WorkflowSerializer.Options)!.Status);
    }

    [Fact]
    public void A_history_written_with_the_old_strings_reads_back_as_the_types()
    {
        // As an instance started before the types existed stored it.
        const string Stored = """
            {"channel":"callback","kind":"CaptureCancelled","status":"Cancelled",
             "operation":{"operationId":"op-1","ticket":{"system":"jira","id":"NET-1"},"targets":[],"filter":{},"durationSeconds":60,"maxBytesPerTarget":1,"notificationChannels":["teams","ticket"]},
             "targets":[{"index":0,"resourceId":"r","kind":0,"state":"Analyzed","analysis":{"verdict":"v","findings":[{"code":"C","severity":"warning","title":"t"}],"packets":1,"flows":1,"reportBlobUrl":"u"},"problem":null,"notes":[]}],
             "links":null}
            """;

        NotificationInput input = JsonSerializer.Deserialize<NotificationInput>(Stored, WorkflowSerializer.Options)!;

        Assert.Equal(NotificationChannel.Callback, input.Channel);
        Assert.Equal(NotificationKind.CaptureCancelled, input.Kind);
        Assert.Equal(CaptureStatus.Cancelled, input.Status);
        Assert.Equal([NotificationChannel.Teams, NotificationChannel.Ticket], input.Operation.NotificationChannels);
        Assert.Equal(TargetState.Analyzed, input.Targets[0].State);
        Assert.Equal(FindingSeverity.Warning, input.Targets[0].Analysis!.Findings[0].Severity);
    }

    [Theory]
    [InlineData("""{"code":"C","severity":"High","title":"t"}""")]
    [InlineData("""{"code":"C","severity":2,"title":"t"}""")]
    public void A_severity_the_engine_never_writes_is_refused_not_ranked(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<FindingSummary>(json, WorkflowSerializer.Options));
    }

    [Fact]
    public void A_capture_session_may_be_open_only_in_the_states_before_it_is_stopped_or_cleaned_up()
    {
        TargetState[] holding = [.. Enum.GetValues<TargetState>().Where(s => s.HoldsTarget())];
        Assert.Equal([TargetState.Pending, TargetState.Preparing, TargetState.Starting, TargetState.Capturing, TargetState.Stopping, TargetState.CleaningUp], holding);
    }
}
