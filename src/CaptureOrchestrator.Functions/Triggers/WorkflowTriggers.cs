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

    /// <summary>Runs a workflow of the port as this orchestration (also what the tests register on Durable Task's worker).</summary>
    internal static Task<object?> RunAsync(TaskOrchestrationContext context, IWorkflow workflow)
    {
        // Nullable: a workflow started without input has none to unbox (GetInput<JsonElement> throws then).
        object? typed = context.GetInput<JsonElement?>() is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } input
            ? input.Deserialize(workflow.InputType, WorkflowSerializer.Options)
            : null;
        return workflow.RunAsync(new DurableWorkflowContext(context), typed);
    }
}
