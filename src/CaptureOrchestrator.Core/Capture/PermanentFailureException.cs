namespace CaptureOrchestrator.Core.Capture;

/// <summary>
/// Thrown by an activity when trying again cannot help (a 4xx from Azure, an unsupported target):
/// the workflow's retry policy does not retry it, and its message is what the ticket is told.
/// </summary>
public sealed class PermanentFailureException : Exception
{
    public PermanentFailureException()
    {
    }

    public PermanentFailureException(string message)
        : base(message)
    {
    }

    public PermanentFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
