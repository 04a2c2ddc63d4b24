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

    /// <summary>The operation id inside a name made by <see cref="ForTarget"/>; null for names this product did not make.</summary>
    public static string? OperationOf(string name) => TryParse(name, out string operationId, out _) ? operationId : null;

    /// <summary>Splits a name made by <see cref="ForTarget"/> ("co-{operation}-{index}") into its parts.</summary>
    public static bool TryParse(string name, out string operationId, out int index)
    {
        int lastDash = name.LastIndexOf('-');
        if (name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && lastDash > Prefix.Length
            && int.TryParse(name.AsSpan(lastDash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
        {
            operationId = name[Prefix.Length..lastDash];
            return true;
        }

        operationId = string.Empty;
        index = -1;
        return false;
    }
}
