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
