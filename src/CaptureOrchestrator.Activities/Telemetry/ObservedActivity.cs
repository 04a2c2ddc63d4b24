using System.Diagnostics;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Activities.Telemetry;

/// <summary>
/// Runs an activity inside a trace span and a log scope that carry its operation id and ticket, so
/// every log line it (and the Azure clients under it) writes can be followed back to the ticket.
/// The same on both hosts: the registry hands out observed activities.
/// </summary>
internal sealed partial class ObservedActivity(IActivity inner, ILogger logger) : IActivity
{
    public Type InputType => inner.InputType;

    public async Task<object?> RunAsync(WorkflowActivityContext context, object? input, CancellationToken cancellationToken)
    {
        // Steps of an operation name it and its ticket; others (sweeps, flow-trace leases) are known by their instance.
        var scoped = input as IOperationScoped;
        string operationId = scoped?.OperationId ?? context.InstanceId;
        using Activity? span = OrchestratorTelemetry.Source.StartActivity("activity " + context.Name, ActivityKind.Internal, OrchestratorTelemetry.TraceOf(operationId));
        span?.SetTag(OrchestratorTelemetry.OperationIdTag, operationId);
        span?.SetTag(OrchestratorTelemetry.TicketTag, scoped?.Ticket.ToString());
        span?.SetTag(OrchestratorTelemetry.InstanceIdTag, context.InstanceId);
        span?.SetTag("captureorchestrator.activity.attempt", context.Attempt);
        using IDisposable? scope = logger.BeginScope(new OperationLogScope(operationId, scoped?.Ticket, context.Name, context.InstanceId, context.Attempt));
        LogStarted(logger, context.Name, context.Attempt);
        try
        {
            return await inner.RunAsync(context, input, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            span?.AddException(e);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Activity} started (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, string activity, int attempt);
}
