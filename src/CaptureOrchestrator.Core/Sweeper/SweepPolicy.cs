namespace CaptureOrchestrator.Core.Sweeper;

/// <summary>When the sweeper switches something off: its owner is gone, or it outlived its expiry by more than the grace period.</summary>
public static class SweepPolicy
{
    /// <returns>Why it is due, or null when it is left alone.</returns>
    public static string? WhyDue(ExpensiveLogging item, DateTime now, TimeSpan grace)
    {
        if (item.Owner is null)
        {
            return "no workflow owns it any more";
        }

        if (!item.OwnerRunning)
        {
            return $"its workflow {item.Owner} is no longer running";
        }

        return item.ExpiresAtUtc is { } expiry && now > expiry + grace
            ? $"it is {(now - expiry).TotalMinutes:0} minutes past its expiry and its workflow did not switch it off"
            : null;
    }
}
