using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Sweeper;

namespace CaptureOrchestrator.Activities.Notifications;

/// <summary>
/// Adaptive Cards for a Teams Workflows webhook, in the envelope Teams expects (FACTS.md (e)).
/// A card never exceeds the 28 KB message limit: findings are cut to fit, and the card says how
/// many more the report holds.
/// </summary>
public static class TeamsCards
{
    /// <summary>Teams refuses messages over 28 KB; keep a margin for the envelope Teams adds.</summary>
    public const int MaxBytes = 27 * 1024;

    private const int MaxTextLength = 400;

    /// <param name="input">The outcome.</param>
    /// <param name="notice">The deployment's simulation notice, shown above everything when set.</param>
    public static JsonObject ForCapture(NotificationInput input, string? notice = null)
    {
        // Fewer findings per target until it fits: all → 5 → 3 → 1 → none.
        foreach (int perTarget in new[] { int.MaxValue, 5, 3, 1, 0 })
        {
            JsonObject message = Envelope(Noticed(notice, CaptureBody(input, perTarget)), CaptureActions(input.Links));
            if (Encoding.UTF8.GetByteCount(message.ToJsonString()) <= MaxBytes)
            {
                return message;
            }
        }

        // Only a pathological number of targets gets here: say so and point at the report.
        return Envelope(
            Noticed(notice, [Title($"Capture {input.Status}: {input.Operation.Ticket}"), Text($"{input.Targets.Count} targets — too many to list here; see the report.")]),
            CaptureActions(input.Links));
    }

    public static JsonObject ForFlowTrace(FlowTraceNotice notice)
    {
        string title = notice.Kind switch
        {
            NotificationKind.FlowTraceEnabled => "Azure Firewall flow trace is ON",
            NotificationKind.FlowTraceDisabled => "Azure Firewall flow trace is OFF",
            _ => "Azure Firewall flow trace: action needed",
        };
        var facts = new List<(string, string)> { ("Firewall", notice.FirewallId.Name), ("Resource group", notice.FirewallId.ResourceGroupName) };
        if (notice.UntilUtc is { } until)
        {
            facts.Add(("Until", until.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)));
        }

        if (notice.Holders.Count > 0)
        {
            facts.Add(("Held for", string.Join(", ", notice.Holders.Select(h => h.Holder))));
        }

        var body = new List<JsonNode> { Title(title), FactSet(facts) };
        if (notice.Problem is not null)
        {
            body.Add(Text(notice.Problem, color: "Attention"));
        }

        if (notice.Kind == NotificationKind.FlowTraceEnabled)
        {
            body.Add(Text("Flow trace logs every TCP handshake and teardown and costs Log Analytics ingestion; it switches off by itself when the lease ends.", subtle: true));
        }

        return Envelope(body, []);
    }

    /// <summary>What the sweeper switched off (or could not), most important first, cut to fit.</summary>
    public static JsonObject ForSweep(SweepOutcome outcome)
    {
        foreach (int shown in new[] { int.MaxValue, 20, 5, 0 })
        {
            JsonObject message = Envelope(SweepBody(outcome, shown), []);
            if (Encoding.UTF8.GetByteCount(message.ToJsonString()) <= MaxBytes)
            {
                return message;
            }
        }

        throw new InvalidOperationException("unreachable: a sweep card without items always fits");
    }

    private static List<JsonNode> SweepBody(SweepOutcome outcome, int itemsShown)
    {
        var body = new List<JsonNode>
        {
            Title(outcome.Failed.Count > 0 ? "Sweeper: expensive logging still on — action needed" : "Sweeper switched off expensive logging"),
            FactSet(
            [
                ("Swept at", outcome.SweptAtUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)),
                ("Switched off", outcome.TurnedOff.Count.ToString(CultureInfo.InvariantCulture)),
                ("Could not switch off", outcome.Failed.Count.ToString(CultureInfo.InvariantCulture)),
            ]),
        };

        IEnumerable<SweptItem> items = outcome.Failed.Concat(outcome.TurnedOff);
        foreach (SweptItem item in items.Take(itemsShown))
        {
            string name = item.Item.ResourceId[(item.Item.ResourceId.LastIndexOf('/') + 1)..];
            body.Add(Text($"**{name}** ({item.Item.Kind}) — {item.Why}", weight: "Bolder"));
            if (item.Problem is not null)
            {
                body.Add(Text(item.Problem, color: "Attention"));
            }
        }

        int hidden = outcome.Failed.Count + outcome.TurnedOff.Count - Math.Min(outcome.Failed.Count + outcome.TurnedOff.Count, itemsShown);
        if (hidden > 0)
        {
            body.Add(Text($"…and {hidden} more; the sweep's workflow output lists them all", subtle: true));
        }

        return body;
    }

    private static List<JsonNode> CaptureBody(NotificationInput input, int findingsPerTarget)
    {
        var body = new List<JsonNode>
        {
            Title($"Capture {input.Status}: {input.Operation.Ticket}"),
            FactSet(
            [
                ("Ticket", input.Operation.Ticket.ToString()),
                ("Targets", input.Targets.Count.ToString(CultureInfo.InvariantCulture)),
                ("Duration", $"{input.Operation.DurationSeconds / 60.0:0.#} min"),
                ("Operation", input.Operation.OperationId),
            ]),
        };
        if (input.Operation.Alert is { } alert)
        {
            body.Add(Text(alert.Describe(), subtle: true));
        }

        if (input.Path is { } path)
        {
            // A path operation leads with where packets stop; each target's findings follow.
            body.Add(Text($"**Path {string.Join(" → ", path.Points)}:** {path.Verdict}", weight: "Bolder"));
        }

        foreach (TargetOutcome target in input.Targets)
        {
            string name = target.ResourceId[(target.ResourceId.LastIndexOf('/') + 1)..];
            body.Add(Text($"**{name}** ({target.Kind}) — {target.State}", weight: "Bolder"));
            if (target.Analysis is { } analysis)
            {
                body.Add(Text(analysis.Verdict));
                IEnumerable<FindingSummary> shown = analysis.Findings.Take(findingsPerTarget);
                foreach (FindingSummary finding in shown)
                {
                    body.Add(Text($"- [{finding.Severity.Name()}] {finding.Code}: {finding.Title}", subtle: true));
                }

                int hidden = analysis.Findings.Count - Math.Min(analysis.Findings.Count, findingsPerTarget);
                if (hidden > 0)
                {
                    body.Add(Text($"…and {hidden} more finding(s) in the report", subtle: true));
                }
            }

            if (target.Problem is not null)
            {
                body.Add(Text(target.Problem, color: "Attention"));
            }
        }

        return body;
    }

    private static List<JsonNode> CaptureActions(ReportLinks? links)
    {
        if (links is null)
        {
            return [];
        }

        var actions = new List<JsonNode>();
        if (links.Html is { } page)
        {
            actions.Add(OpenUrl("Report", page));
        }

        actions.Add(OpenUrl(links.Html is null ? "Report" : "Markdown", links.Markdown));
        actions.Add(OpenUrl("JSON", links.Json));
        actions.AddRange(links.Evidence.Take(3).Select((url, i) => OpenUrl($"Evidence {i + 1}", url)));
        return actions;
    }

    /// <summary>The body with the simulation notice above it, when there is one.</summary>
    private static List<JsonNode> Noticed(string? notice, List<JsonNode> body)
    {
        if (notice is not null)
        {
            body.Insert(0, Text(notice, weight: "Bolder", color: "Warning"));
        }

        return body;
    }

    private static JsonObject Envelope(List<JsonNode> body, List<JsonNode> actions)
    {
        var content = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = new JsonArray([.. body]),
        };
        if (actions.Count > 0)
        {
            content["actions"] = new JsonArray([.. actions]);
        }

        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["contentType"] = "application/vnd.microsoft.card.adaptive",
                ["contentUrl"] = null,
                ["content"] = content,
            }),
        };
    }

    private static JsonObject Title(string text) => new() { ["type"] = "TextBlock", ["text"] = Clip(text), ["size"] = "Large", ["weight"] = "Bolder", ["wrap"] = true };

    private static JsonObject Text(string text, string? weight = null, string? color = null, bool subtle = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = Clip(text), ["wrap"] = true };
        if (weight is not null)
        {
            block["weight"] = weight;
        }

        if (color is not null)
        {
            block["color"] = color;
        }

        if (subtle)
        {
            block["isSubtle"] = true;
        }

        return block;
    }

    private static JsonObject FactSet(IEnumerable<(string Title, string Value)> facts) => new()
    {
        ["type"] = "FactSet",
        ["facts"] = new JsonArray([.. facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Title, ["value"] = Clip(f.Value) })]),
    };

    private static JsonObject OpenUrl(string title, string url) => new() { ["type"] = "Action.OpenUrl", ["title"] = title, ["url"] = url };

    private static string Clip(string text) => text.Length <= MaxTextLength ? text : text[..(MaxTextLength - 1)] + "…";
}
