namespace CaptureOrchestrator.Core.Sweeper;

/// <summary>The sweeper's activities, by name.</summary>
public static class SweeperActivities
{
    /// <summary>
    /// <see cref="SweepInput"/> → <see cref="ExpensiveLogging"/>[]: flow trace and capture sessions this
    /// product switched on that may still be on. May over-report: <see cref="TurnOff"/> checks again.
    /// </summary>
    public const string FindExpensiveLogging = "FindExpensiveLogging";

    /// <summary><see cref="ExpensiveLogging"/> → bool: switch it off / stop and delete it; false when it was already off. Safe to repeat.</summary>
    public const string TurnOff = "TurnOffExpensiveLogging";

    /// <summary><see cref="SweepOutcome"/> → nothing: tell the channel what was switched off.</summary>
    public const string ReportSweep = "ReportSweep";
}

/// <param name="LookbackHours">How far back to look for operations whose workflow died with a capture running.</param>
public sealed record SweepInput(DateTime NowUtc, int LookbackHours);

/// <summary>Something that costs money while it is on.</summary>
/// <param name="Kind">One of <see cref="ExpensiveLoggingKinds"/>.</param>
/// <param name="Owner">The workflow instance that switched it on (a lease or an operation), if known.</param>
/// <param name="OwnerRunning">Whether that instance is still running.</param>
/// <param name="ExpiresAtUtc">When its owner meant it to end.</param>
/// <param name="Receipt">What switching it off needs (opaque to the workflow).</param>
public sealed record ExpensiveLogging(string Kind, string ResourceId, string? Owner, bool OwnerRunning, DateTime? ExpiresAtUtc, string? Receipt);

public static class ExpensiveLoggingKinds
{
    /// <summary>Azure Firewall flow trace (AZFWFlowTrace) switched on by a lease.</summary>
    public const string FlowTrace = "FlowTrace";

    /// <summary>A Network Watcher packet capture session named "co-…".</summary>
    public const string PacketCapture = "PacketCapture";

    /// <summary>A VPN gateway (or connection) capture started by an operation whose workflow died.</summary>
    public const string GatewayCapture = "GatewayCapture";

    /// <summary>An Azure Firewall packet capture started by an operation whose workflow died.</summary>
    public const string FirewallCapture = "FirewallCapture";
}

public sealed record SweptItem(ExpensiveLogging Item, string Why, string? Problem);

/// <param name="AlreadyOff">Due items that turned out to be off already (nothing to report).</param>
public sealed record SweepOutcome(DateTime SweptAtUtc, int Inspected, IReadOnlyList<SweptItem> TurnedOff, IReadOnlyList<SweptItem> Failed, int AlreadyOff = 0);

/// <summary>Sweeper settings (from configuration).</summary>
/// <param name="GraceMinutes">How long past its expiry something may stay on before the sweeper steps in.</param>
/// <param name="LookbackHours">How far back operations are checked for captures their workflow left running.</param>
public sealed record SweeperSettings(int GraceMinutes = 10, int LookbackHours = 24);
