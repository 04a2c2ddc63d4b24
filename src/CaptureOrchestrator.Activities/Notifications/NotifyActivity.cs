using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Activities.Telemetry;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Notifications;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities.Notifications;

/// <summary>
/// Delivers one channel (<see cref="NotificationChannels"/>): the Adaptive Card to Teams, the signed
/// callback to the request's callbackUrl, or the note on the ServiceNow / Jira ticket. A failure
/// worth retrying is thrown (the report is already stored, nothing is lost meanwhile); one that
/// retrying cannot mend is returned as not delivered, with the attempts really made. Every request
/// carries an Idempotency-Key that stays the same across retries and redeliveries, so a receiver
/// that sees a delivery twice (a crash between sending and recording it) can drop the second.
/// </summary>
internal sealed class NotifyActivity(CaptureServices services) : Activity<NotificationInput, DeliveryResult>
{
    public override async Task<DeliveryResult> RunAsync(WorkflowActivityContext context, NotificationInput input, CancellationToken cancellationToken)
    {
        string key = $"{input.Operation.OperationId}/{input.Channel.Name()}/{input.Kind}";
        try
        {
            await DeliverAsync(input, OutboundHttp.Idempotent(key), cancellationToken).ConfigureAwait(false);
        }
        catch (PermanentFailureException failure)
        {
            OrchestratorTelemetry.NotificationFailures.Add(1, new KeyValuePair<string, object?>("channel", input.Channel.Name()));
            return new DeliveryResult(input.Channel, Delivered: false, context.Attempt, failure.Message);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            OrchestratorTelemetry.NotificationFailures.Add(1, new KeyValuePair<string, object?>("channel", input.Channel.Name()));
            throw;
        }

        return new DeliveryResult(input.Channel, Delivered: true, context.Attempt, null);
    }

    private async Task DeliverAsync(NotificationInput input, Action<System.Net.Http.Headers.HttpRequestHeaders> idempotent, CancellationToken cancellationToken)
    {
        switch (input.Channel)
        {
            case NotificationChannel.Teams:
                Uri webhook = services.Settings.TeamsWebhookUrl ?? throw new PermanentFailureException("no Teams webhook is configured");
                await OutboundHttp.PostAsync(services, webhook, JsonContent.Create(TeamsCards.ForCapture(input, services.Settings.SimulationNotice)), "Teams webhook", idempotent, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationChannel.Callback:
                await CallbackAsync(input, idempotent, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationChannel.Ticket:
                await TicketSystems.PostNoteAsync(services, input, idempotent, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new PermanentFailureException($"unknown notification channel '{input.Channel}'");
        }
    }

    private async Task CallbackAsync(NotificationInput input, Action<System.Net.Http.Headers.HttpRequestHeaders> idempotent, CancellationToken cancellationToken)
    {
        Uri url = input.Operation.CallbackUrl ?? throw new PermanentFailureException("the request gave no callbackUrl");
        byte[] key = services.Settings.CallbackSigningKey ?? throw new PermanentFailureException("callbacks need a signing key (CallbackSigningKey)");
        byte[] body = Encoding.UTF8.GetBytes(TicketNote.Callback(input, services.Settings.SimulationNotice).ToJsonString());
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        string signature = HmacSignature.Create(key, HttpMethod.Post.Method, url.PathAndQuery, body, services.Time.GetUtcNow());
        await OutboundHttp.PostAsync(services, url, content, "ticket callback", headers =>
        {
            idempotent(headers);
            headers.Add(HmacSignature.HeaderName, signature);
        }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The ticket-system adapters: a work note on a ServiceNow incident, a comment on a Jira issue.</summary>
internal static class TicketSystems
{
    public static async Task PostNoteAsync(CaptureServices services, NotificationInput input, Action<System.Net.Http.Headers.HttpRequestHeaders> idempotent, CancellationToken cancellationToken)
    {
        OrchestratorSettings settings = services.Settings;
        if (settings.TicketSystem is null || !string.Equals(settings.TicketSystem, input.Operation.Ticket.System, StringComparison.OrdinalIgnoreCase))
        {
            throw new PermanentFailureException($"this deployment posts notes to {settings.TicketSystem ?? "no ticket system"}, not to {input.Operation.Ticket.System}");
        }

        Uri site = settings.TicketSystemUrl ?? throw new PermanentFailureException("the ticket system URL is not configured");
        string note = TicketNote.PlainText(input, services.Settings.SimulationNotice);
        void Authorize(System.Net.Http.Headers.HttpRequestHeaders headers)
        {
            idempotent(headers);
            if (settings.TicketSystemAuthorization is { } authorization)
            {
                headers.TryAddWithoutValidation("Authorization", authorization);
            }
        }

        switch (settings.TicketSystem.ToLowerInvariant())
        {
            case "servicenow":
                // The Table API addresses records by sys_id; the ticket carries the incident number.
                string number = Uri.EscapeDataString(input.Operation.Ticket.Id);
                string found = await OutboundHttp.SendAsync(services, HttpMethod.Get, new Uri(site, $"/api/now/table/incident?sysparm_query=number%3D{number}&sysparm_fields=sys_id&sysparm_limit=1"), null, "ServiceNow lookup", Authorize, cancellationToken).ConfigureAwait(false);
                string sysId = JsonNode.Parse(found)?["result"]?[0]?["sys_id"]?.GetValue<string>()
                    ?? throw new PermanentFailureException($"ServiceNow has no incident {input.Operation.Ticket.Id}");
                await OutboundHttp.SendAsync(services, HttpMethod.Patch, new Uri(site, "/api/now/table/incident/" + Uri.EscapeDataString(sysId)),
                    JsonContent.Create(new JsonObject { ["work_notes"] = note }), "ServiceNow work note", Authorize, cancellationToken).ConfigureAwait(false);
                break;
            case "jira":
                await OutboundHttp.SendAsync(services, HttpMethod.Post, new Uri(site, "/rest/api/2/issue/" + Uri.EscapeDataString(input.Operation.Ticket.Id) + "/comment"),
                    JsonContent.Create(new JsonObject { ["body"] = note }), "Jira comment", Authorize, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new PermanentFailureException($"unknown ticket system '{settings.TicketSystem}' (servicenow or jira)");
        }
    }
}
