using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CaptureOrchestrator.Functions.Triggers;

/// <summary>
/// Starts a sweep on the schedule in app setting CaptureOrchestrator__Sweeper__Schedule (NCRONTAB,
/// every 5 minutes by default in main.bicep), under the same slot id the embedded scheduler uses.
/// </summary>
public sealed class SweeperTimerTrigger(ServerSettings settings)
{
    [Function("SweepExpensiveLogging")]
    public async Task Run([TimerTrigger("%CaptureOrchestrator__Sweeper__Schedule%")] TimerInfo timer, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        var workflows = new DurableWorkflowClient(client);
        await workflows.ScheduleNewWorkflowInstanceAsync(
            ExpensiveLoggingSweeperWorkflow.Name,
            new SweeperSettings(settings.Sweeper.GraceMinutes, settings.Sweeper.LookbackHours),
            new StartWorkflowOptions(ExpensiveLoggingSweeperWorkflow.InstanceIdFor(DateTimeOffset.UtcNow)),
            context.CancellationToken).ConfigureAwait(false);
    }
}
