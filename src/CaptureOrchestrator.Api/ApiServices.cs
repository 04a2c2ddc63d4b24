using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Api;

/// <summary>
/// What the HTTP endpoints use, on either host: the workflow client (the embedded engine's, or a
/// Durable Task client on Azure Functions) and the limits and settings read once at start.
/// </summary>
public sealed record ApiServices(IWorkflowClient Client, RequestLimits Limits, CaptureTimings Timings, ServerSettings Settings, TargetSupport Support)
{
    /// <summary>
    /// Where an operation's result goes: Teams when a webhook is configured, the request's callback
    /// when it gave one, and a note on the ticket when this deployment talks to that ticket system.
    /// </summary>
    public IReadOnlyList<NotificationChannel> ChannelsFor(CaptureOperation operation)
    {
        var channels = new List<NotificationChannel>(3);
        if (Settings.Notifications.TeamsWebhookUrl is not null)
        {
            channels.Add(NotificationChannel.Teams);
        }

        if (operation.CallbackUrl is not null)
        {
            channels.Add(NotificationChannel.Callback);
        }

        if (string.Equals(Settings.Notifications.TicketSystem, operation.Ticket.System, StringComparison.OrdinalIgnoreCase))
        {
            channels.Add(NotificationChannel.Ticket);
        }

        return channels;
    }

    /// <summary>Who may post alerts (built once: it caches the tenant's signing keys).</summary>
    public Http.AlertAuthentication AlertAuthentication { get; } = new(Settings.Alerts);

    /// <summary>Serializes check-then-start of new operations in this process (the per-target concurrency limit).</summary>
    internal SemaphoreSlim StartGate { get; } = new(1, 1);

    /// <summary>
    /// The same services over another workflow client (Functions binds one per invocation), sharing
    /// this process's <see cref="StartGate"/> and the limits read at start.
    /// </summary>
    public ApiServices WithClient(IWorkflowClient client) => this with { Client = client };
}
