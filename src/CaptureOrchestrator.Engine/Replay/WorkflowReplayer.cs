using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Engine.Replay;

/// <summary>
/// Event-sourced execution: re-runs the workflow's code from the start against its history
/// (recorded steps return their recorded results), then applies the new events, and reports the
/// commands the code issued that the history does not have yet. Pure: no I/O, no clock.
/// </summary>
public static class WorkflowReplayer
{
    /// <param name="workflow">The workflow's code.</param>
    /// <param name="instanceId">The instance being replayed.</param>
    /// <param name="history">Everything recorded so far, starting with <see cref="WorkflowStarted"/>.</param>
    /// <param name="newEvents">Events that arrived since (completions, timers, raised events), in arrival order.</param>
    /// <param name="loggerFactory">For the workflow's replay-safe loggers.</param>
    /// <exception cref="NonDeterministicWorkflowException">The code no longer matches its history.</exception>
    public static ReplayOutcome Replay(IWorkflow workflow, string instanceId, IReadOnlyList<HistoryEvent> history, IReadOnlyList<HistoryEvent> newEvents, ILoggerFactory? loggerFactory = null)
    {
        if (history.Count == 0 || history[0] is not WorkflowStarted started)
        {
            throw new ArgumentException("a history starts with WorkflowStarted", nameof(history));
        }

        var context = new ReplayContext(started.Name, instanceId, started.Input, started.Timestamp, loggerFactory);
        var synchronization = new ReplaySynchronizationContext();
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(synchronization);
        try
        {
            context.IsReplaying = history.Count > 1;
            object? input = WorkflowSerializer.Deserialize(started.Input, workflow.InputType, $"input of workflow {started.Name}");
            Task<object?> run = Start(workflow, context, input);
            synchronization.Drain();

            foreach (HistoryEvent recorded in history.Skip(1))
            {
                Apply(context, recorded);
                synchronization.Drain();
            }

            context.IsReplaying = false;
            context.CustomStatusChanged = false; // status changes during replay were already recorded
            string? statusBefore = context.CustomStatus;
            foreach (HistoryEvent arrived in newEvents)
            {
                Apply(context, arrived);
                synchronization.Drain();
            }

            return Outcome(context, run, statusBefore);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    // A workflow that throws before its first await (an IWorkflow written without async) fails the
    // instance like one that throws later, as Durable Task fails it; the exception must not escape the step.
    private static Task<object?> Start(IWorkflow workflow, ReplayContext context, object? input)
    {
        try
        {
            return workflow.RunAsync(context, input);
        }
        catch (Exception e) when (e is not NonDeterministicWorkflowException)
        {
            return Task.FromException<object?>(e);
        }
    }

    private static void Apply(ReplayContext context, HistoryEvent historyEvent)
    {
        switch (historyEvent)
        {
            case EpisodeStarted episode:
                context.CurrentUtcDateTime = episode.Timestamp;
                break;
            case ActivityScheduled scheduled:
                context.ConfirmScheduled(scheduled.TaskId, new ScheduleActivity(scheduled.TaskId, scheduled.Name, scheduled.Input, scheduled.Attempt));
                break;
            case TimerCreated timer:
                context.ConfirmScheduled(timer.TaskId, new StartTimer(timer.TaskId, timer.FireAt));
                break;
            case SubWorkflowScheduled sub:
                context.ConfirmScheduled(sub.TaskId, new ScheduleSubWorkflow(sub.TaskId, sub.Name, sub.InstanceId, sub.Input));
                break;
            case ActivityCompleted completed:
                context.Complete(completed.TaskId, completed.Result);
                break;
            case SubWorkflowCompleted completed:
                context.Complete(completed.TaskId, completed.Result);
                break;
            case TimerFired fired:
                context.Complete(fired.TaskId, null);
                break;
            case ActivityFailed failed:
                context.Fail(failed.TaskId, failed.Failure);
                break;
            case SubWorkflowFailed failed:
                context.Fail(failed.TaskId, failed.Failure);
                break;
            case EventRaised raised:
                context.Deliver(raised);
                break;
            case CustomStatusSet:
            case WorkflowStarted:
                break;
        }
    }

    private static ReplayOutcome Outcome(ReplayContext context, Task<object?> run, string? statusBefore)
    {
        bool statusChanged = context.CustomStatus != statusBefore;
        if (run.IsFaulted && run.Exception!.InnerException is NonDeterministicWorkflowException nondeterminism)
        {
            throw nondeterminism;
        }

        if (context.ContinueAsNewRequested && run.IsCompletedSuccessfully)
        {
            IReadOnlyList<EventRaised> carried = context.PreserveUnprocessedEvents ? context.BufferedEvents.ToList() : [];
            return new ReplayOutcome(ReplayState.ContinuedAsNew, [], null, null, context.ContinueAsNewInput, carried, context.CustomStatus, statusChanged);
        }

        if (run.IsCompletedSuccessfully)
        {
            return new ReplayOutcome(ReplayState.Completed, [], WorkflowSerializer.Serialize(run.Result), null, null, [], context.CustomStatus, statusChanged);
        }

        if (run.IsFaulted || run.IsCanceled)
        {
            Exception error = run.Exception?.InnerException ?? new TaskCanceledException("the workflow was cancelled");
            return new ReplayOutcome(ReplayState.Failed, [], null, WorkflowFailureDetails.FromException(error), null, [], context.CustomStatus, statusChanged);
        }

        return new ReplayOutcome(ReplayState.Waiting, context.NewCommands(), null, null, null, [], context.CustomStatus, statusChanged);
    }
}
