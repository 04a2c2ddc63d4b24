using CaptureOrchestrator.Activities.Capture;
using CaptureOrchestrator.Activities.FlowTrace;
using CaptureOrchestrator.Activities.Notifications;
using CaptureOrchestrator.Activities.Reporting;
using CaptureOrchestrator.Activities.Sweeper;
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
    public static WorkflowRegistry AddCaptureOrchestrator(this WorkflowRegistry registry, CaptureServices services) =>
        registry
            .AddWorkflow(PacketCaptureWorkflow.Name, () => new PacketCaptureWorkflow())
            .AddWorkflow(FlowTraceLeaseWorkflow.Name, () => new FlowTraceLeaseWorkflow())
            .AddWorkflow(TriageWorkflow.Name, () => new TriageWorkflow())
            .AddWorkflow(ExpensiveLoggingSweeperWorkflow.Name, () => new ExpensiveLoggingSweeperWorkflow())
            .AddActivity(CaptureActivities.PrepareTarget, () => new PrepareTargetActivity(services))
            .AddActivity(CaptureActivities.StartCapture, () => new StartCaptureActivity(services))
            .AddActivity(CaptureActivities.StopCapture, () => new StopCaptureActivity(services))
            .AddActivity(CaptureActivities.FindCaptureFiles, () => new FindCaptureFilesActivity(services))
            .AddActivity(CaptureActivities.AnalyzeCapture, () => new AnalyzeCaptureActivity(services))
            .AddActivity(CaptureActivities.CleanupCapture, () => new CleanupCaptureActivity(services))
            .AddActivity(CaptureActivities.PublishReport, () => new PublishReportActivity(services))
            .AddActivity(CaptureActivities.Notify, () => new NotifyActivity(services))
            .AddActivity(CaptureActivities.AcquireFlowTraceLease, () => new AcquireFlowTraceLeaseActivity(services))
            .AddActivity(CaptureActivities.ReleaseFlowTraceLease, () => new ReleaseFlowTraceLeaseActivity(services))
            .AddActivity(FlowTraceActivities.EnableFlowTrace, () => new EnableFlowTraceActivity(services))
            .AddActivity(FlowTraceActivities.DisableFlowTrace, () => new DisableFlowTraceActivity(services))
            .AddActivity(FlowTraceActivities.NotifyFlowTrace, () => new NotifyFlowTraceActivity(services))
            .AddActivity(TriageActivities.DiagnosePath, () => new DiagnosePathActivity(services))
            .AddActivity(TriageActivities.QueryLogs, () => new QueryLogsActivity(services))
            .AddActivity(SweeperActivities.FindExpensiveLogging, () => new FindExpensiveLoggingActivity(services))
            .AddActivity(SweeperActivities.TurnOff, () => new TurnOffExpensiveLoggingActivity(services))
            .AddActivity(SweeperActivities.ReportSweep, () => new ReportSweepActivity(services));
}
