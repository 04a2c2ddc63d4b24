using System.Text.Json.Serialization;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

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

    /// <summary><see cref="CorrelatePathInput"/> → <see cref="PathVerdict"/>: the targets' captures of one path, correlated: where packets stop appearing.</summary>
    public const string CorrelatePath = "CorrelatePath";

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
/// <param name="Files">The capture files analysed (absent in outcomes stored before it was kept).</param>
public sealed record TargetAnalysis(string Verdict, IReadOnlyList<FindingSummary> Findings, long Packets, long Flows, string ReportBlobUrl, IReadOnlyList<CaptureFile>? Files = null);

/// <summary>The analysed targets of a path operation, in path order (client side first).</summary>
public sealed record CorrelatePathInput(string OperationId, TicketKey Ticket, IReadOnlyList<PathPoint> Points) : IOperationScoped;

/// <summary>One capture point of the path: a target, named as people name it, with its capture files.</summary>
public sealed record PathPoint(int Index, string Name, IReadOnlyList<CaptureFile> Files);

/// <summary>Where along the path packets stop appearing; the operation's verdict leads with it.</summary>
/// <param name="StopsAt">The first capture point the lost conversations never reach (null when none is lost).</param>
/// <param name="Flows">The conversations that stop appearing (a few), hop by hop.</param>
public sealed record PathVerdict(string Verdict, IReadOnlyList<string> Points, string? StopsAt, long ConversationsCompared, IReadOnlyList<PathFlow> Flows);

public sealed record PathFlow(string Protocol, string Client, string Server, bool MatchedByNat, string Verdict, IReadOnlyList<PathHop> Hops);

/// <summary>What one capture point saw of a conversation: packets from the client and from the server.</summary>
public sealed record PathHop(string Point, bool Seen, long FromClient, long FromServer);

/// <summary>One finding as the ticket sees it; severity on the wire as the report writes it ("error", "warning", "info").</summary>
public sealed record FindingSummary(string Code, [property: JsonConverter(typeof(LowerCaseEnumConverter<FindingSeverity>))] FindingSeverity Severity, string Title);

public sealed record PublishReportInput(CaptureOperation Operation, IReadOnlyList<TargetOutcome> Targets, CaptureStatus Status, PathVerdict? Path = null) : IOperationScoped
{
    string IOperationScoped.OperationId => Operation.OperationId;

    TicketKey IOperationScoped.Ticket => Operation.Ticket;
}

/// <summary>Short-lived read-only links to the stored report.</summary>
/// <param name="Html">The page a person opens: verdicts, findings, ladder diagrams (absent in reports stored before it existed).</param>
public sealed record ReportLinks(string Json, string Markdown, IReadOnlyList<string> Evidence, string? Html = null);

public sealed record NotificationInput(NotificationChannel Channel, NotificationKind Kind, CaptureOperation Operation, CaptureStatus Status, IReadOnlyList<TargetOutcome> Targets, ReportLinks? Links, PathVerdict? Path = null) : IOperationScoped
{
    string IOperationScoped.OperationId => Operation.OperationId;

    TicketKey IOperationScoped.Ticket => Operation.Ticket;
}

/// <summary>
/// Where an operation's result is posted, one activity each, so a channel that fails is retried on
/// its own and never sends another channel twice.
/// </summary>
[JsonConverter(typeof(LowerCaseEnumConverter<NotificationChannel>))]
public enum NotificationChannel
{
    /// <summary>The Adaptive Card to the configured Teams (Workflows) webhook.</summary>
    Teams,

    /// <summary>The signed JSON callback to the request's callbackUrl.</summary>
    Callback,

    /// <summary>A work note (ServiceNow) or comment (Jira) on the ticket, when this deployment talks to that ticket system.</summary>
    Ticket,
}

public static class NotificationChannels
{
    /// <summary>The channel's wire name ("teams", "callback", "ticket"): in JSON, idempotency keys and metrics.</summary>
    public static string Name(this NotificationChannel channel) => channel switch
    {
        NotificationChannel.Teams => "teams",
        NotificationChannel.Callback => "callback",
        _ => "ticket",
    };
}

/// <summary>What a notification is about (on the wire by name, e.g. "CaptureCompleted").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotificationKind>))]
public enum NotificationKind
{
    /// <summary>A capture operation ended with at least one target analysed.</summary>
    CaptureCompleted,

    CaptureCancelled,

    /// <summary>No target could be analysed.</summary>
    CaptureFailed,

    /// <summary>Firewall flow-trace logging was switched on for a lease.</summary>
    FlowTraceEnabled,

    /// <summary>The last lease ended and flow trace was switched off.</summary>
    FlowTraceDisabled,

    /// <summary>Switching flow trace on or off failed: someone has to act.</summary>
    FlowTraceFailed,
}

/// <summary>How one channel delivery went; failures are recorded, never lose the report (it is already stored).</summary>
/// <param name="Attempts">Deliveries tried, the successful or last one included.</param>
public sealed record DeliveryResult(NotificationChannel Channel, bool Delivered, int Attempts, string? Error);

public sealed record LeaseTicket(FlowTraceLease Lease, TicketKey Ticket, string OperationId) : IOperationScoped;
