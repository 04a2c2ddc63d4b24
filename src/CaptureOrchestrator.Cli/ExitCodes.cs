namespace CaptureOrchestrator.Cli;

/// <summary>Process exit codes (documented in docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>The command did its job (for analyze: the capture was analysed, possibly up to a damaged point).</summary>
    public const int Success = 0;

    /// <summary>The command line was invalid.</summary>
    public const int Usage = 1;

    /// <summary>The capture cannot be read or is not a supported format.</summary>
    public const int UnreadableCapture = 2;

    /// <summary>An output file could not be written.</summary>
    public const int OutputFailed = 3;

    /// <summary>call: the server answered with an error, could not be reached, or the operation did not end well or in time.</summary>
    public const int RequestFailed = 4;
}
