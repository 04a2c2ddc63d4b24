using System.Globalization;

namespace CaptureOrchestrator.Analysis.Reporting;

/// <summary>Formats capture timestamps (nanoseconds since the epoch) as RFC 3339 UTC with 9 fraction digits.</summary>
public static class Timestamps
{
    public static string ToRfc3339(long nanoseconds)
    {
        long seconds = Math.DivRem(nanoseconds, 1_000_000_000L, out long fraction);
        if (fraction < 0)
        {
            fraction += 1_000_000_000L;
            seconds--;
        }

        DateTime time = DateTime.UnixEpoch.AddSeconds(seconds);
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    public static double ToSeconds(long nanoseconds) => nanoseconds / 1e9;

    public static double ToMilliseconds(long nanoseconds) => Math.Round(nanoseconds / 1e6, 3);
}
