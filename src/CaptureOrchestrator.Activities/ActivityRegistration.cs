using CaptureOrchestrator.Activities.Capture;
using CaptureOrchestrator.Activities.FlowTrace;
using CaptureOrchestrator.Activities.Notifications;
using CaptureOrchestrator.Activities.Reporting;
using CaptureOrchestrator.Activities.Sweeper;
using CaptureOrchestrator.Activities.Telemetry;
using CaptureOrchestrator.Activities.Triage;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Activities;

/// <summary>Registers the product's workflows and activities by name, for either host.</summary>
public static class ActivityRegistration
{
    /// <summary>Registers every workflow, and every activity wrapped so its spans and log lines carry its operation and ticket.</summary>
    public static WorkflowRegistry AddCaptureOrchestrator(this WorkflowRegistry registry, CaptureServices services)
    {
        registry
            .AddWorkflow(PacketCaptureWorkflow.Name, () => new PacketCaptureWorkflow())
            .AddWorkflow(FlowTraceLeaseWorkflow.Name, () => new FlowTraceLeaseWorkflow())
            .AddWorkflow(TriageWorkflow.Name, () => new TriageWorkflow())
            .AddWorkflow(ExpensiveLoggingSweeperWorkflow.Name, () => new ExpensiveLoggingSweeperWorkflow());

        (string Name, Func<IActivity> Create)[] activities =
        [
            (CaptureActivities.PrepareTarget, () => new PrepareTargetActivity(services)),
            (CaptureActivities.StartCapture, () => new StartCaptureActivity(services)),
            (CaptureActivities.StopCapture, () => new StopCaptureActivity(services)),
            (CaptureActivities.FindCaptureFiles, () => new FindCaptureFilesActivity(services)),
            (CaptureActivities.AnalyzeCapture, () => new AnalyzeCaptureActivity(services)),
            (CaptureActivities.CleanupCapture, () => new CleanupCaptureActivity(services)),
            (CaptureActivities.CorrelatePath, () => new CorrelatePathActivity(services)),
            (CaptureActivities.PublishReport, () => new PublishReportActivity(services)),
            (CaptureActivities.Notify, () => new NotifyActivity(services)),
            (CaptureActivities.AcquireFlowTraceLease, () => new AcquireFlowTraceLeaseActivity(services)),
            (CaptureActivities.ReleaseFlowTraceLease, () => new ReleaseFlowTraceLeaseActivity(services)),
            (FlowTraceActivities.EnableFlowTrace, () => new EnableFlowTraceActivity(services)),
            (FlowTraceActivities.DisableFlowTrace, () => new DisableFlowTraceActivity(services)),
            (FlowTraceActivities.NotifyFlowTrace, () => new NotifyFlowTraceActivity(services)),
            (TriageActivities.DiagnosePath, () => new DiagnosePathActivity(services)),
            (TriageActivities.QueryLogs, () => new QueryLogsActivity(services)),
            (SweeperActivities.FindExpensiveLogging, () => new FindExpensiveLoggingActivity(services)),
            (SweeperActivities.TurnOff, () => new TurnOffExpensiveLoggingActivity(services)),
            (SweeperActivities.ReportSweep, () => new ReportSweepActivity(services)),
        ];
        foreach ((string name, Func<IActivity> create) in activities)
        {
            registry.AddActivity(name, () => new ObservedActivity(create(), services.Logger<ObservedActivity>()));
        }

        return registry;
    }
}
