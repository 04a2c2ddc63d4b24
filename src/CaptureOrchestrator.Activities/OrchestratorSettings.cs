using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Activities;

/// <summary>What the activities need to know about this deployment (bound from configuration by the host).</summary>
public sealed record OrchestratorSettings
{
    /// <summary>The storage account Network Watcher writes VM captures to (its ARM id).</summary>
    public ArmResourceId? CaptureStorageAccountId { get; init; }

    public string ReportsContainer { get; init; } = "reports";

    /// <summary>How long report links stay valid.</summary>
    public TimeSpan ReportLinkLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long the write SAS handed to a VPN gateway or firewall stays valid.</summary>
    public TimeSpan UploadSasLifetime { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Subscriptions the sweeper always searches for leftover capture sessions (besides those of recent operations): the allowed scopes'.</summary>
    public IReadOnlyList<Guid> SweepSubscriptions { get; init; } = [];

    /// <summary>Teams Workflows webhook URL (a secret: from Key Vault or the environment).</summary>
    public Uri? TeamsWebhookUrl { get; init; }

    /// <summary>Hosts outbound notifications may go to (Teams, callbacks, ticket systems).</summary>
    public IReadOnlyList<string> AllowedOutboundHosts { get; init; } = [];

    /// <summary>Signs callbacks (a secret: from Key Vault or the environment).</summary>
    public byte[]? CallbackSigningKey { get; init; }

    /// <summary>"servicenow", "jira", or null for the generic callback only.</summary>
    public string? TicketSystem { get; init; }

    /// <summary>ServiceNow instance or Jira site base URL.</summary>
    public Uri? TicketSystemUrl { get; init; }

    /// <summary>The Authorization header value for the ticket system (a secret).</summary>
    public string? TicketSystemAuthorization { get; init; }

    /// <summary>
    /// Set only when the deployment runs against a simulated Azure (<c>serve --sandbox</c>): the line
    /// every report, card, ticket note and callback leads with, so no one mistakes it for evidence.
    /// </summary>
    public string? SimulationNotice { get; init; }
}
