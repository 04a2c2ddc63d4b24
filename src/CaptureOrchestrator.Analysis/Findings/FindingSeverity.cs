namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>How much a finding matters for the ticket; findings are ranked by it first.</summary>
public enum FindingSeverity
{
    /// <summary>Context, or the absence of a problem.</summary>
    Info = 0,

    /// <summary>Degrades the service or will bite later.</summary>
    Warning = 1,

    /// <summary>Connections fail: this is very likely what the ticket is about.</summary>
    Error = 2,
}

/// <summary>Severity as reports, cards and notes write it.</summary>
public static class FindingSeverities
{
    /// <summary>"error", "warning" or "info": the word every report and message uses.</summary>
    public static string Name(this FindingSeverity severity) => severity switch
    {
        FindingSeverity.Error => "error",
        FindingSeverity.Warning => "warning",
        _ => "info",
    };
}
