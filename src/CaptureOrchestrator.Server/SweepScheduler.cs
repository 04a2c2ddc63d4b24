using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Sweeper;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Server;

/// <summary>
/// Starts a sweep every interval, like the timer trigger on Azure. Each sweep gets an id from its
/// slot (<see cref="ExpensiveLoggingSweeperWorkflow.InstanceIdFor"/>), so a restart inside a slot does not sweep twice.
/// </summary>
internal sealed partial class SweepScheduler(Composition composition, TimeProvider time, ILogger<SweepScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SweeperScheduleSettings schedule = composition.Settings.Sweeper;
        if (schedule.IntervalMinutes <= 0)
        {
            return;
        }

        TimeSpan interval = TimeSpan.FromMinutes(schedule.IntervalMinutes);
        var settings = new SweeperSettings(schedule.GraceMinutes, schedule.LookbackHours);
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset now = time.GetUtcNow();
            DateTimeOffset slot = new(now.Ticks - (now.Ticks % interval.Ticks), TimeSpan.Zero);
            try
            {
                await composition.Client.ScheduleNewWorkflowInstanceAsync(ExpensiveLoggingSweeperWorkflow.Name, settings, new StartWorkflowOptions(ExpensiveLoggingSweeperWorkflow.InstanceIdFor(slot)), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStartFailed(logger, ex);
            }

            try
            {
                await Task.Delay(Max(slot + interval - time.GetUtcNow(), TimeSpan.Zero), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Error, Message = "could not start the expensive-logging sweep; the next slot tries again")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);
}
