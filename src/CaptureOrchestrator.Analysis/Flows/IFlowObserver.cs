namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Receives each flow exactly once, when it is finished and will not change again. The object
/// is reused once the call returns: call <see cref="Flow.Snapshot"/> to keep it.
/// </summary>
public interface IFlowObserver
{
    void OnFlowFinished(Flow flow);
}
