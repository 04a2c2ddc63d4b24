using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Core.Capture;

/// <summary>
/// The activities the capture workflows call, by name, with their contracts. Implementations live at
/// the edge (they talk to Azure); the workflows only see these records.
/// </summary>
public static class CaptureActivities
{
    /// <summary><see cref="PrepareTargetInput"/> → <see cref="PreparedTarget"/>: find the watcher, ensure the agent, check the firewall can capture.</summary>
    public const string PrepareTarget = "PrepareTarget";

    /// <summary><see cref="StartCaptureInput"/> → <see cref="CaptureSession"/>.</summary>
    public const string StartCapture = "StartCapture";

    /// <summary><see cref="CaptureSession"/> → nothing. For VPN gateways this is what uploads the file.</summary>
    public const string StopCapture = "StopCapture";

    /// <summary><see cref="CaptureSession"/> → <see cref="CaptureFile"/>[]: the capture files delivered so far.</summary>
    public const string FindCaptureFiles = "FindCaptureFiles";

    /// <summary><see cref="AnalyzeCaptureInput"/> → <see cref="TargetAnalysis"/>.</summary>
    public const string AnalyzeCapture = "AnalyzeCapture";

    /// <summary><see cref="CaptureSession"/> → nothing: stop if still running, delete the session. Safe to repeat.</summary>
    public const string CleanupCapture = "CleanupCapture";

    /// <summary><see cref="PublishReportInput"/> → <see cref="ReportLinks"/>: JSON, Markdown, evidence to storage before anything is sent.</summary>
    public const string PublishReport = "PublishReport";

    /// <summary><see cref="NotificationInput"/> → <see cref="DeliveryResult"/>: one channel (Teams, the ticket system); throws to be retried.</summary>
    public const string Notify = "Notify";

    /// <summary><see cref="LeaseTicket"/> → nothing: join (or start) the firewall's flow-trace lease.</summary>
    public const string AcquireFlowTraceLease = "AcquireFlowTraceLease";

    /// <summary><see cref="LeaseTicket"/> → nothing: leave the lease (flow trace goes off when nobody holds it).</summary>
    public const string ReleaseFlowTraceLease = "ReleaseFlowTraceLease";
}

public sealed record PrepareTargetInput(string OperationId, TicketKey Ticket, CaptureTarget Target) : IOperationScoped;

/// <param name="NetworkWatcherId">For VMs and scale sets: the watcher of the target's region.</param>
/// <param name="Notes">What preparing did that a human may want to know ("installed the Network Watcher agent").</param>
public sealed record PreparedTarget(CaptureTarget Target, string? NetworkWatcherId, IReadOnlyList<string> Notes);

public sealed record StartCaptureInput(string OperationId, TicketKey Ticket, PreparedTarget Prepared, TrafficFilter Filter, int DurationSeconds, long MaxBytes, int BytesPerPacket) : IOperationScoped;

/// <summary>A running capture, as much as cleanup and file discovery need to know.</summary>
/// <param name="SessionId">The Network Watcher capture id, or the gateway/firewall id for those kinds.</param>
/// <param name="FileLocation">Where the files land: a blob URL prefix (container + path prefix).</param>
/// <param name="ExpectedFiles">How many files complete the capture (scale set instances; 1 otherwise); 0 when unknown (a firewall's backend instances): complete once files stop arriving.</param>
public sealed record CaptureSession(string OperationId, TicketKey Ticket, CaptureTarget Target, string SessionId, string FileLocation, int ExpectedFiles, DateTime StartedAtUtc) : IOperationScoped;

/// <summary>A delivered capture file.</summary>
public sealed record CaptureFile(string BlobUrl, long Length);

public sealed record AnalyzeCaptureInput(string OperationId, TicketKey Ticket, CaptureTarget Target, IReadOnlyList<CaptureFile> Files) : IOperationScoped;

/// <summary>What the analysis engine concluded for one target.</summary>
public sealed record TargetAnalysis(string Verdict, IReadOnlyList<FindingSummary> Findings, long Packets, long Flows, string ReportBlobUrl);

public sealed record FindingSummary(string Code, string Severity, string Title);

public sealed record PublishReportInput(CaptureOperation Operation, IReadOnlyList<TargetOutcome> Targets, string Status) : IOperationScoped
{
    string IOperationScoped.OperationId => Operation.OperationId;

    TicketKey IOperationScoped.Ticket => Operation.Ticket;
}

/// <summary>Short-lived read-only links to the stored report.</summary>
public sealed record ReportLinks(string Json, string Markdown, IReadOnlyList<string> Evidence);

public sealed record NotificationInput(string Channel, string Kind, CaptureOperation Operation, string Status, IReadOnlyList<TargetOutcome> Targets, ReportLinks? Links) : IOperationScoped
{
    string IOperationScoped.OperationId => Operation.OperationId;

    TicketKey IOperationScoped.Ticket => Operation.Ticket;
}

/// <summary>
/// Where an operation's result is posted, one activity each, so a channel that fails is retried on
/// its own and never sends another channel twice.
/// </summary>
public static class NotificationChannels
{
    /// <summary>The Adaptive Card to the configured Teams (Workflows) webhook.</summary>
    public const string Teams = "teams";

    /// <summary>The signed JSON callback to the request's callbackUrl.</summary>
    public const string Callback = "callback";

    /// <summary>A work note (ServiceNow) or comment (Jira) on the ticket, when this deployment talks to that ticket system.</summary>
    public const string Ticket = "ticket";
}

/// <summary>How one channel delivery went; failures are recorded, never lose the report (it is already stored).</summary>
/// <param name="Attempts">Deliveries tried, the successful or last one included.</param>
public sealed record DeliveryResult(string Channel, bool Delivered, int Attempts, string? Error);

public sealed record LeaseTicket(FlowTraceLease Lease, TicketKey Ticket, string OperationId) : IOperationScoped;
