using System.Text.Json;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.FlowTrace;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Triage;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace CaptureOrchestrator.Functions.Triggers;

/// <summary>One orchestration trigger per workflow of the port; each runs the same workflow class the embedded engine runs.</summary>
public static class WorkflowTriggers
{
    [Function(PacketCaptureWorkflow.Name)]
    public static Task<object?> PacketCapture([OrchestrationTrigger] TaskOrchestrationContext context) => RunAsync(context, new PacketCaptureWorkflow());

    [Function(FlowTraceLeaseWorkflow.Name)]
    public static Task<object?> FlowTraceLease([OrchestrationTrigger] TaskOrchestrationContext context) => RunAsync(context, new FlowTraceLeaseWorkflow());

    [Function(TriageWorkflow.Name)]
    public static Task<object?> Triage([OrchestrationTrigger] TaskOrchestrationContext context) => RunAsync(context, new TriageWorkflow());

    [Function(ExpensiveLoggingSweeperWorkflow.Name)]
    public static Task<object?> ExpensiveLoggingSweeper([OrchestrationTrigger] TaskOrchestrationContext context) => RunAsync(context, new ExpensiveLoggingSweeperWorkflow());

    private static Task<object?> RunAsync(TaskOrchestrationContext context, IWorkflow workflow)
    {
        JsonElement input = context.GetInput<JsonElement>();
        object? typed = input.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
            ? null
            : input.Deserialize(workflow.InputType, WorkflowSerializer.Options);
        return workflow.RunAsync(new DurableWorkflowContext(context), typed);
    }
}
