using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Activities.Telemetry;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Reporting;

/// <summary>
/// Stores the operation's report (JSON and Markdown) under its id, next to the per-target reports
/// and evidence, and returns short-lived read-only links. Runs before any notification is sent.
/// </summary>
internal sealed class PublishReportActivity(CaptureServices services) : Activity<PublishReportInput, ReportLinks>
{
    public override async Task<ReportLinks> RunAsync(WorkflowActivityContext context, PublishReportInput input, CancellationToken cancellationToken)
    {
        StoreContainer reports = services.Blobs.Container(services.Settings.ReportsContainer);
        await AzureErrors.Classify("create the reports container", () => reports.CreateIfNotExistsAsync(cancellationToken)).ConfigureAwait(false);
        string prefix = input.Operation.OperationId + "/";

        string? notice = services.Settings.SimulationNotice;
        var json = new JsonObject
        {
            ["simulated"] = notice,
            ["operationId"] = input.Operation.OperationId,
            ["ticket"] = input.Operation.Ticket.ToString(),
            ["alert"] = input.Operation.Alert is null ? null : JsonSerializer.SerializeToNode(input.Operation.Alert, WorkflowSerializer.Options),
            ["status"] = input.Status.ToString(),
            ["durationSeconds"] = input.Operation.DurationSeconds,
            ["path"] = input.Path is null ? null : JsonSerializer.SerializeToNode(input.Path, WorkflowSerializer.Options),
            ["targets"] = JsonSerializer.SerializeToNode(input.Targets, WorkflowSerializer.Options),
        };
        await reports.UploadAsync(prefix + "report.json", new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))), "application/json", overwrite: true, cancellationToken).ConfigureAwait(false);
        await reports.UploadAsync(prefix + "report.md", new MemoryStream(Encoding.UTF8.GetBytes(Markdown(input, notice))), "text/markdown", overwrite: true, cancellationToken).ConfigureAwait(false);

        // The page links each target's own page; links into a private container need their own read SAS.
        DateTimeOffset expiry = services.Time.GetUtcNow().Add(services.Settings.ReportLinkLifetime);
        var targetPages = new Dictionary<int, string>();
        foreach (TargetOutcome target in input.Targets)
        {
            if (target.Analysis?.ReportBlobUrl is { } targetJson && targetJson.EndsWith(".json", StringComparison.Ordinal))
            {
                (StoreContainer container, string blob) = services.Blobs.Locate(targetJson[..^".json".Length] + ".html");
                targetPages[target.Index] = (await container.SasAsync(BlobSasPermissions.Read, expiry, blob, cancellationToken).ConfigureAwait(false)).AbsoluteUri;
            }
        }

        await reports.UploadAsync(prefix + "report.html", new MemoryStream(Encoding.UTF8.GetBytes(OperationPage.Write(input, targetPages, notice))), "text/html; charset=utf-8", overwrite: true, cancellationToken).ConfigureAwait(false);

        IReadOnlyList<BlobItem> evidence = (await reports.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            .Where(b => b.Name.EndsWith(".evidence.pcap", StringComparison.Ordinal))
            .ToArray();
        var evidenceLinks = new List<string>();
        foreach (BlobItem blob in evidence)
        {
            evidenceLinks.Add((await reports.SasAsync(BlobSasPermissions.Read, expiry, blob.Name, cancellationToken).ConfigureAwait(false)).AbsoluteUri);
        }

        var links = new ReportLinks(
            (await reports.SasAsync(BlobSasPermissions.Read, expiry, prefix + "report.json", cancellationToken).ConfigureAwait(false)).AbsoluteUri,
            (await reports.SasAsync(BlobSasPermissions.Read, expiry, prefix + "report.md", cancellationToken).ConfigureAwait(false)).AbsoluteUri,
            evidenceLinks,
            (await reports.SasAsync(BlobSasPermissions.Read, expiry, prefix + "report.html", cancellationToken).ConfigureAwait(false)).AbsoluteUri);
        CountOutcome(input);
        return links;
    }

    /// <summary>An operation is counted once its report is stored (the report is what it ended with).</summary>
    private static void CountOutcome(PublishReportInput input)
    {
        OrchestratorTelemetry.OperationsEnded.Add(1, new KeyValuePair<string, object?>("outcome", input.Status.ToString()));
        foreach (TargetOutcome target in input.Targets)
        {
            OrchestratorTelemetry.TargetsEnded.Add(1, new KeyValuePair<string, object?>("target.kind", target.Kind.ToString()), new KeyValuePair<string, object?>("state", target.State.ToString()));
        }
    }

    private static string Markdown(PublishReportInput input, string? notice)
    {
        var text = new StringBuilder()
            .Append("# Capture ").Append(input.Status).Append(" — ").AppendLine(input.Operation.Ticket.ToString())
            .AppendLine()
            .Append(notice is null ? string.Empty : $"> **{notice}**\n\n")
            .Append(input.Operation.Alert is { } alert ? alert.Describe() + "\n\n" : string.Empty)
            .Append(input.Path is { } path ? $"**Path {string.Join(" → ", path.Points)}:** {path.Verdict}\n" : string.Empty)
            .AppendLine()
            .Append("Operation `").Append(input.Operation.OperationId).Append("`, ").Append(input.Operation.DurationSeconds).AppendLine(" s capture window.")
            .AppendLine();
        foreach (TargetOutcome target in input.Targets)
        {
            text.Append("## ").Append(target.ResourceId[(target.ResourceId.LastIndexOf('/') + 1)..]).Append(" (").Append(target.Kind).Append(") — ").AppendLine(target.State.ToString())
                .AppendLine()
                .Append('`').Append(target.ResourceId).AppendLine("`")
                .AppendLine();
            if (target.Analysis is { } analysis)
            {
                text.Append("**").Append(analysis.Verdict).AppendLine("**").AppendLine();
                foreach (FindingSummary finding in analysis.Findings)
                {
                    text.Append("- ").Append(finding.Severity.Name()).Append(" `").Append(finding.Code).Append("` ").AppendLine(finding.Title);
                }

                text.AppendLine().Append(analysis.Packets.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)).Append(" packets, ")
                    .Append(analysis.Flows.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)).AppendLine(" flows; full report next to this one.").AppendLine();
            }

            if (target.Problem is not null)
            {
                text.Append("> ").AppendLine(target.Problem).AppendLine();
            }

            foreach (string note in target.Notes)
            {
                text.Append("- note: ").AppendLine(note);
            }

            text.Append(target.Notes.Count > 0 ? "\n" : string.Empty); // the next heading needs a blank line before it
        }

        return text.ToString();
    }
}
