namespace CaptureOrchestrator.Core.Sweeper;

/// <summary>The sweeper's activities, by name.</summary>
public static class SweeperActivities
{
    /// <summary><see cref="SweepInput"/> → <see cref="ExpensiveLogging"/>[]: flow trace and capture sessions this product switched on, wherever they are.</summary>
    public const string FindExpensiveLogging = "FindExpensiveLogging";

    /// <summary><see cref="ExpensiveLogging"/> → nothing: switch it off / stop and delete it. Safe to repeat.</summary>
    public const string TurnOff = "TurnOffExpensiveLogging";

    /// <summary><see cref="SweepOutcome"/> → nothing: tell the channel what was switched off.</summary>
    public const string ReportSweep = "ReportSweep";
}

public sealed record SweepInput(DateTime NowUtc);

/// <summary>Something that costs money while it is on.</summary>
/// <param name="Kind">FlowTrace, PacketCapture or GatewayCapture.</param>
/// <param name="Owner">The workflow instance that switched it on (a lease or an operation), if known.</param>
/// <param name="OwnerRunning">Whether that instance is still running.</param>
/// <param name="ExpiresAtUtc">When its owner meant it to end.</param>
/// <param name="Receipt">What switching it off needs (opaque to the workflow).</param>
public sealed record ExpensiveLogging(string Kind, string ResourceId, string? Owner, bool OwnerRunning, DateTime? ExpiresAtUtc, string? Receipt);

public sealed record SweptItem(ExpensiveLogging Item, string Why, string? Problem);

public sealed record SweepOutcome(DateTime SweptAtUtc, int Inspected, IReadOnlyList<SweptItem> TurnedOff, IReadOnlyList<SweptItem> Failed);

/// <summary>Sweeper settings (from configuration): how long past its expiry something may stay on before the sweeper steps in.</summary>
public sealed record SweeperSettings(int GraceMinutes = 10);
