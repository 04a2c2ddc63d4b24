namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>Receives each flow exactly once, when it is finished and will not change again.</summary>
public interface IFlowObserver
{
    void OnFlowFinished(Flow flow);
}
