using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Activities;

/// <summary>
/// Names the product gives what it creates, so the sweeper can recognise its own: packet capture
/// sessions and per-target containers start with "co-".
/// </summary>
public static class CaptureNames
{
    public const string Prefix = "co-";

    /// <summary>Session and container name for one target of one operation (lower case, ≤ 63 characters).</summary>
    public static string ForTarget(string operationId, CaptureTarget target) =>
        (Prefix + operationId + "-" + target.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToLowerInvariant();
}
