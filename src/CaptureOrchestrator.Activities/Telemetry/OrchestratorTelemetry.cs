using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;

namespace CaptureOrchestrator.Activities.Telemetry;

/// <summary>
/// The product's trace source and meter, the same on both hosts. Hosts export them by name
/// (<see cref="SourceName"/>, <see cref="MeterName"/>) to Application Insights, the console or OTLP.
/// </summary>
public static class OrchestratorTelemetry
{
    public const string SourceName = "CaptureOrchestrator";
    public const string MeterName = "CaptureOrchestrator";

    /// <summary>Tag and log-scope names every span and log line of an operation carries.</summary>
    public const string OperationIdTag = "captureorchestrator.operation.id";
    public const string TicketTag = "captureorchestrator.ticket";
    public const string InstanceIdTag = "captureorchestrator.workflow.instance_id";

    internal static ActivitySource Source { get; } = new(SourceName);

    /// <summary>
    /// The trace every span of an operation joins: its id is derived from the operation id, so the
    /// steps of one operation form one trace on either host, across restarts and retries.
    /// </summary>
    public static ActivityContext TraceOf(string operationId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(operationId), hash);
        return new ActivityContext(ActivityTraceId.CreateFromBytes(hash[..16]), ActivitySpanId.CreateFromBytes(hash[16..24]), ActivityTraceFlags.Recorded, isRemote: true);
    }

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Capture operations that ended, by workflow outcome (Succeeded, PartiallySucceeded, Failed, Cancelled).</summary>
    internal static Counter<long> OperationsEnded { get; } = Meter.CreateCounter<long>("captureorchestrator.operations.ended", "{operation}", "Capture operations that ended, by outcome");

    /// <summary>Targets that ended, by kind and state (Analyzed, NoFile, Failed, Cancelled).</summary>
    internal static Counter<long> TargetsEnded { get; } = Meter.CreateCounter<long>("captureorchestrator.targets.ended", "{target}", "Capture targets that ended, by kind and state");

    internal static Counter<long> CaptureBytes { get; } = Meter.CreateCounter<long>("captureorchestrator.capture.bytes", "By", "Capture bytes analysed, by target kind");

    internal static Histogram<double> AnalysisDuration { get; } = Meter.CreateHistogram<double>("captureorchestrator.analysis.duration", "s", "Time to analyse one target's capture files, by target kind");

    internal static Counter<long> NotificationFailures { get; } = Meter.CreateCounter<long>("captureorchestrator.notification.failures", "{attempt}", "Notification attempts that failed, by channel");
}
