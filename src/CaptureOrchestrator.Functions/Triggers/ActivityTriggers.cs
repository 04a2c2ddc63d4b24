using System.Text.Json;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Triage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CaptureOrchestrator.Functions.Triggers;

/// <summary>
/// One activity trigger per activity of the port, all dispatched by name through <see cref="ActivityHost"/>
/// to the same activity classes the embedded engine runs. A test checks this list against the registry.
/// </summary>
public sealed class ActivityTriggers(ActivityHost host)
{
    [Function(CaptureActivities.PrepareTarget)]
    public Task<object?> PrepareTarget([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.PrepareTarget, input, client, context);

    [Function(CaptureActivities.StartCapture)]
    public Task<object?> StartCapture([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.StartCapture, input, client, context);

    [Function(CaptureActivities.StopCapture)]
    public Task<object?> StopCapture([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.StopCapture, input, client, context);

    [Function(CaptureActivities.FindCaptureFiles)]
    public Task<object?> FindCaptureFiles([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.FindCaptureFiles, input, client, context);

    [Function(CaptureActivities.AnalyzeCapture)]
    public Task<object?> AnalyzeCapture([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.AnalyzeCapture, input, client, context);

    [Function(CaptureActivities.CleanupCapture)]
    public Task<object?> CleanupCapture([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.CleanupCapture, input, client, context);

    [Function(CaptureActivities.PublishReport)]
    public Task<object?> PublishReport([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.PublishReport, input, client, context);

    [Function(CaptureActivities.Notify)]
    public Task<object?> Notify([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.Notify, input, client, context);

    [Function(CaptureActivities.AcquireFlowTraceLease)]
    public Task<object?> AcquireFlowTraceLease([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.AcquireFlowTraceLease, input, client, context);

    [Function(CaptureActivities.CorrelatePath)]
    public Task<object?> CorrelatePath([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.CorrelatePath, input, client, context);

    [Function(CaptureActivities.ReleaseFlowTraceLease)]
    public Task<object?> ReleaseFlowTraceLease([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(CaptureActivities.ReleaseFlowTraceLease, input, client, context);

    [Function(FlowTraceActivities.EnableFlowTrace)]
    public Task<object?> EnableFlowTrace([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(FlowTraceActivities.EnableFlowTrace, input, client, context);

    [Function(FlowTraceActivities.DisableFlowTrace)]
    public Task<object?> DisableFlowTrace([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(FlowTraceActivities.DisableFlowTrace, input, client, context);

    [Function(FlowTraceActivities.NotifyFlowTrace)]
    public Task<object?> NotifyFlowTrace([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(FlowTraceActivities.NotifyFlowTrace, input, client, context);

    [Function(TriageActivities.DiagnosePath)]
    public Task<object?> DiagnosePath([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(TriageActivities.DiagnosePath, input, client, context);

    [Function(TriageActivities.QueryLogs)]
    public Task<object?> QueryLogs([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(TriageActivities.QueryLogs, input, client, context);

    [Function(SweeperActivities.FindExpensiveLogging)]
    public Task<object?> FindExpensiveLogging([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(SweeperActivities.FindExpensiveLogging, input, client, context);

    [Function(SweeperActivities.TurnOff)]
    public Task<object?> TurnOffExpensiveLogging([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(SweeperActivities.TurnOff, input, client, context);

    [Function(SweeperActivities.ReportSweep)]
    public Task<object?> ReportSweep([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        host.RunAsync(SweeperActivities.ReportSweep, input, client, context);
}
