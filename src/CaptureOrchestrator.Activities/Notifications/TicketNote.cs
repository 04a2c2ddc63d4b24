using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Notifications;

/// <summary>What goes back to the ticket: a plain-text work note (ServiceNow, Jira) and the generic signed JSON callback.</summary>
public static class TicketNote
{
    /// <summary>Work notes and comments are read by people: verdict first, then what to open.</summary>
    /// <param name="input">The outcome.</param>
    /// <param name="notice">The deployment's simulation notice, first line when set.</param>
    /// <param name="maxLength">Where the note is cut.</param>
    public static string PlainText(NotificationInput input, string? notice = null, int maxLength = 30_000)
    {
        var text = new StringBuilder()
            .Append(notice is null ? string.Empty : notice + "\n")
            .Append("CaptureOrchestrator: capture ").Append(input.Status).Append(" (operation ").Append(input.Operation.OperationId).AppendLine(")");
        if (input.Operation.Alert is { } alert)
        {
            text.AppendLine(alert.Describe());
        }

        if (input.Path is { } path)
        {
            text.Append("\nPath ").Append(string.Join(" -> ", path.Points)).Append(": ").AppendLine(path.Verdict);
        }

        foreach (TargetOutcome target in input.Targets)
        {
            text.Append("\n* ").Append(target.ResourceId).Append(" — ").AppendLine(target.State.ToString());
            if (target.Analysis is { } analysis)
            {
                text.Append("  Verdict: ").AppendLine(analysis.Verdict);
                foreach (FindingSummary finding in analysis.Findings.Take(10))
                {
                    text.Append("  - [").Append(finding.Severity.Name()).Append("] ").Append(finding.Code).Append(": ").AppendLine(finding.Title);
                }
            }

            if (target.Problem is not null)
            {
                text.Append("  Problem: ").AppendLine(target.Problem);
            }
        }

        if (input.Links is { } links)
        {
            text.Append("\nReport (link valid for a limited time): ").AppendLine(links.Html ?? links.Markdown);
        }

        string note = text.ToString();
        return note.Length <= maxLength ? note : note[..(maxLength - 40)] + "\n… (truncated; see the report)";
    }

    /// <summary>The body of the generic callback (signed with <see cref="Core.Notifications.HmacSignature"/>).</summary>
    /// <param name="input">The outcome.</param>
    /// <param name="notice">The deployment's simulation notice ("simulated"; null on a real deployment).</param>
    public static JsonObject Callback(NotificationInput input, string? notice = null) => new()
    {
        ["simulated"] = notice,
        ["kind"] = input.Kind.ToString(),
        ["operationId"] = input.Operation.OperationId,
        ["ticket"] = new JsonObject
        {
            ["system"] = input.Operation.Ticket.System,
            ["id"] = input.Operation.Ticket.Id,
            ["clientRequestId"] = input.Operation.Ticket.ClientRequestId,
        },
        ["status"] = input.Status.ToString(),
        ["alert"] = input.Operation.Alert is null ? null : JsonSerializer.SerializeToNode(input.Operation.Alert, WorkflowSerializer.Options),
        ["targets"] = new JsonArray([.. input.Targets.Select(t => (JsonNode)new JsonObject
        {
            ["resourceId"] = t.ResourceId,
            ["state"] = t.State.ToString(),
            ["verdict"] = t.Analysis?.Verdict,
            ["findings"] = new JsonArray([.. (t.Analysis?.Findings ?? []).Select(f => (JsonNode)new JsonObject { ["code"] = f.Code, ["severity"] = f.Severity.Name(), ["title"] = f.Title })]),
            ["problem"] = t.Problem,
        })]),
        ["report"] = input.Links is null ? null : new JsonObject { ["json"] = input.Links.Json, ["markdown"] = input.Links.Markdown, ["html"] = input.Links.Html },
        ["path"] = input.Path is null ? null : JsonSerializer.SerializeToNode(input.Path, WorkflowSerializer.Options),
    };
}
