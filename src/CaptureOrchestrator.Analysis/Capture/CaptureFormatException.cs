namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>
/// The capture file cannot be read at <see cref="Offset"/>: an unsupported or damaged header,
/// a record that claims an impossible length, or a file cut short in the middle of a record.
/// </summary>
public sealed class CaptureFormatException : Exception
{
    public CaptureFormatException(long offset, string reason)
        : base($"{reason} (at byte offset {offset})")
    {
        Offset = offset;
        Reason = reason;
    }

    public CaptureFormatException()
    {
        Reason = string.Empty;
    }

    public CaptureFormatException(string message)
        : base(message)
    {
        Reason = message;
    }

    public CaptureFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Byte offset in the file where the problem starts.</summary>
    public long Offset { get; }

    /// <summary>The problem, without the offset.</summary>
    public string Reason { get; }
}
