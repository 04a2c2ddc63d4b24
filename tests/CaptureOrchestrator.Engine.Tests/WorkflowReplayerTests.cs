using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;

namespace CaptureOrchestrator.Engine.Tests;

public sealed class WorkflowReplayerTests
{
    private static readonly DateTime T0 = new(2026, 11, 21, 8, 0, 0, DateTimeKind.Utc);

    private static WorkflowStarted Started(string name, object? input) => new(T0, name, WorkflowSerializer.Serialize(input));

    private static string Json(object? value) => WorkflowSerializer.Serialize(value)!;

    private sealed class Sequence : Workflow<string, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, string input)
        {
            string first = await context.CallActivityAsync<string>("Greet", input);
            return await context.CallActivityAsync<string>("Greet", first);
        }
    }

    [Fact]
    public void Each_replay_returns_the_next_step_and_finally_the_result()
    {
        var workflow = new Sequence();

        ReplayOutcome first = WorkflowReplayer.Replay(workflow, "i1", [Started("Sequence", "x")], []);
        Assert.Equal(ReplayState.Waiting, first.State);
        Assert.Equal(new ScheduleActivity(0, "Greet", Json("x")), Assert.Single(first.NewCommands));

        HistoryEvent[] history = [Started("Sequence", "x"), new ActivityScheduled(T0, 0, "Greet", Json("x"))];
        ReplayOutcome second = WorkflowReplayer.Replay(workflow, "i1", history, [new ActivityCompleted(T0, 0, Json("hello x"))]);
        Assert.Equal(new ScheduleActivity(1, "Greet", Json("hello x")), Assert.Single(second.NewCommands));

        HistoryEvent[] full = [.. history, new ActivityCompleted(T0, 0, Json("hello x")), new ActivityScheduled(T0, 1, "Greet", Json("hello x"))];
        ReplayOutcome done = WorkflowReplayer.Replay(workflow, "i1", full, [new ActivityCompleted(T0, 1, Json("hello hello x"))]);
        Assert.Equal(ReplayState.Completed, done.State);
        Assert.Equal(Json("hello hello x"), done.SerializedOutput);
        Assert.Empty(done.NewCommands);
    }

    [Fact]
    public void Code_that_no_longer_matches_its_history_fails_naming_the_step()
    {
        HistoryEvent[] history = [Started("Sequence", "x"), new ActivityScheduled(T0, 0, "Farewell", Json("x"))];

        var error = Assert.Throws<NonDeterministicWorkflowException>(() => WorkflowReplayer.Replay(new Sequence(), "i1", history, []));

        Assert.Contains("step 0 is activity 'Farewell' in the history but activity 'Greet' in the code", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recorded_step_the_code_never_asks_for_is_non_determinism()
    {
        HistoryEvent[] history = [Started("Sequence", "x"), new ActivityScheduled(T0, 0, "Greet", Json("x")), new TimerCreated(T0, 1, T0)];
        var error = Assert.Throws<NonDeterministicWorkflowException>(() => WorkflowReplayer.Replay(new Sequence(), "i1", history, []));
        Assert.Contains("records a timer", error.Message, StringComparison.Ordinal);
    }

    private sealed class FanOut : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int count)
        {
            int[] results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => context.CallActivityAsync<int>("Square", i)));
            return results.Sum();
        }
    }

    [Fact]
    public void Fan_out_of_hundreds_then_fan_in()
    {
        ReplayOutcome scheduled = WorkflowReplayer.Replay(new FanOut(), "f", [Started("FanOut", 500)], []);
        Assert.Equal(500, scheduled.NewCommands.Count);
        Assert.Equal(Enumerable.Range(0, 500), scheduled.NewCommands.Select(c => c.TaskId));

        var history = new List<HistoryEvent> { Started("FanOut", 500) };
        history.AddRange(scheduled.NewCommands.Cast<ScheduleActivity>().Select(c => new ActivityScheduled(T0, c.TaskId, c.Name, c.Input)));
        // Completions arrive in reverse order: results still go to the right tasks.
        var completions = Enumerable.Range(0, 500).Reverse().Select(i => (HistoryEvent)new ActivityCompleted(T0, i, Json(i * i))).ToList();

        ReplayOutcome done = WorkflowReplayer.Replay(new FanOut(), "f", history, completions);
        Assert.Equal(ReplayState.Completed, done.State);
        Assert.Equal(Json(Enumerable.Range(0, 500).Sum(i => i * i)), done.SerializedOutput);
    }

    private sealed class Timed : Workflow<object?, DateTime>
    {
        public override async Task<DateTime> RunAsync(IWorkflowContext context, object? input)
        {
            await context.CreateTimer(TimeSpan.FromMinutes(5), CancellationToken.None);
            return context.CurrentUtcDateTime;
        }
    }

    [Fact]
    public void Timers_use_the_replayed_clock()
    {
        ReplayOutcome waiting = WorkflowReplayer.Replay(new Timed(), "t", [Started("Timed", null)], []);
        Assert.Equal(new StartTimer(0, T0.AddMinutes(5)), Assert.Single(waiting.NewCommands));

        DateTime fired = T0.AddMinutes(5).AddSeconds(2);
        HistoryEvent[] history = [Started("Timed", null), new TimerCreated(T0, 0, T0.AddMinutes(5))];
        ReplayOutcome done = WorkflowReplayer.Replay(new Timed(), "t", history, [new EpisodeStarted(fired), new TimerFired(fired, 0)]);
        Assert.Equal(Json(fired), done.SerializedOutput);
    }

    private sealed class Approval : Workflow<object?, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, object? input)
        {
            await context.CallActivityAsync("Prepare");
            try
            {
                return await context.WaitForExternalEvent<string>("approve", TimeSpan.FromHours(1));
            }
            catch (TimeoutException)
            {
                return "timed out";
            }
        }
    }

    [Fact]
    public void An_event_raised_before_the_workflow_waits_is_buffered()
    {
        HistoryEvent[] history = [Started("Approval", null), new ActivityScheduled(T0, 0, "Prepare", null), new EventRaised(T0, "APPROVE", Json("yes"))];
        ReplayOutcome done = WorkflowReplayer.Replay(new Approval(), "a", history, [new ActivityCompleted(T0, 0, null)]);
        Assert.Equal(ReplayState.Completed, done.State);
        Assert.Equal(Json("yes"), done.SerializedOutput);
    }

    [Fact]
    public void Waiting_with_a_timeout_ends_when_the_durable_timer_fires()
    {
        HistoryEvent[] history = [Started("Approval", null), new ActivityScheduled(T0, 0, "Prepare", null), new ActivityCompleted(T0, 0, null)];
        ReplayOutcome waiting = WorkflowReplayer.Replay(new Approval(), "a", history, []);
        var timer = Assert.IsType<StartTimer>(Assert.Single(waiting.NewCommands));
        Assert.Equal(T0.AddHours(1), timer.FireAt);

        ReplayOutcome done = WorkflowReplayer.Replay(new Approval(), "a", [.. history, new TimerCreated(T0, 1, timer.FireAt)], [new TimerFired(timer.FireAt, 1)]);
        Assert.Equal(Json("timed out"), done.SerializedOutput);
    }

    private sealed class Retrying : Workflow<object?, string>
    {
        public override Task<string> RunAsync(IWorkflowContext context, object? input) =>
            context.CallActivityAsync<string>("Flaky", options: WorkflowTaskOptions.WithRetry(new RetryPolicy(3, TimeSpan.FromSeconds(10), 2)));
    }

    [Fact]
    public void A_failed_activity_is_retried_after_a_durable_timer()
    {
        var failure = new WorkflowFailureDetails("System.TimeoutException", "slow");
        HistoryEvent[] history = [Started("Retrying", null), new ActivityScheduled(T0, 0, "Flaky", null)];

        ReplayOutcome afterFailure = WorkflowReplayer.Replay(new Retrying(), "r", history, [new ActivityFailed(T0, 0, failure)]);
        Assert.Equal(new StartTimer(1, T0.AddSeconds(10)), Assert.Single(afterFailure.NewCommands));

        HistoryEvent[] more = [.. history, new ActivityFailed(T0, 0, failure), new TimerCreated(T0, 1, T0.AddSeconds(10))];
        ReplayOutcome retried = WorkflowReplayer.Replay(new Retrying(), "r", more, [new EpisodeStarted(T0.AddSeconds(10)), new TimerFired(T0.AddSeconds(10), 1)]);
        Assert.Equal(new ScheduleActivity(2, "Flaky", null, Attempt: 2), Assert.Single(retried.NewCommands));
    }

    [Fact]
    public void Exhausted_retries_fail_the_workflow_with_the_cause()
    {
        var failure = new WorkflowFailureDetails("System.TimeoutException", "slow");
        var history = new List<HistoryEvent> { Started("Retrying", null) };
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int activity = attempt * 2;
            history.Add(new ActivityScheduled(T0, activity, "Flaky", null));
            history.Add(new ActivityFailed(T0, activity, failure));
            if (attempt < 2)
            {
                history.Add(new TimerCreated(T0, activity + 1, T0));
                history.Add(new TimerFired(T0, activity + 1));
            }
        }

        ReplayOutcome failed = WorkflowReplayer.Replay(new Retrying(), "r", history, []);
        Assert.Equal(ReplayState.Failed, failed.State);
        Assert.Equal(typeof(WorkflowTaskFailedException).FullName, failed.Failure!.ErrorType);
        Assert.Contains("'Flaky' failed: System.TimeoutException: slow", failed.Failure.ErrorMessage, StringComparison.Ordinal);
    }

    private sealed class Observing : Workflow<object?, string>
    {
        public List<bool> Replaying { get; } = [];

        public override async Task<string> RunAsync(IWorkflowContext context, object? input)
        {
            Guid first = context.NewGuid();
            Replaying.Add(context.IsReplaying);
            context.SetCustomStatus(new { phase = "capturing" });
            await context.CallActivityAsync("Step");
            Replaying.Add(context.IsReplaying);
            return $"{first}|{context.NewGuid()}";
        }
    }

    [Fact]
    public void Guids_are_the_same_on_every_replay_and_replaying_is_reported()
    {
        HistoryEvent[] history = [Started("Observing", null), new ActivityScheduled(T0, 0, "Step", null)];
        var a = new Observing();
        var b = new Observing();

        ReplayOutcome one = WorkflowReplayer.Replay(a, "g", history, [new ActivityCompleted(T0, 0, null)]);
        ReplayOutcome two = WorkflowReplayer.Replay(b, "g", history, [new ActivityCompleted(T0, 0, null)]);

        Assert.Equal(one.SerializedOutput, two.SerializedOutput);
        Assert.Equal([true, false], a.Replaying);
        string[] guids = WorkflowSerializer.Deserialize(one.SerializedOutput, typeof(string), "output")!.ToString()!.Split('|');
        Assert.NotEqual(guids[0], guids[1]);
        Assert.Equal(Json(new { phase = "capturing" }), one.CustomStatus);
    }

    private sealed class Looping : Workflow<int, int>
    {
        public override async Task<int> RunAsync(IWorkflowContext context, int round)
        {
            await context.CallActivityAsync("Sweep", round);
            context.ContinueAsNew(round + 1);
            return round;
        }
    }

    [Fact]
    public void Continue_as_new_carries_new_input_and_unprocessed_events()
    {
        HistoryEvent[] history = [Started("Looping", 7), new ActivityScheduled(T0, 0, "Sweep", Json(7)), new EventRaised(T0, "extend", Json(30))];
        ReplayOutcome outcome = WorkflowReplayer.Replay(new Looping(), "l", history, [new ActivityCompleted(T0, 0, null)]);
        Assert.Equal(ReplayState.ContinuedAsNew, outcome.State);
        Assert.Equal(Json(8), outcome.ContinueAsNewInput);
        Assert.Equal("extend", Assert.Single(outcome.CarriedOverEvents).Name);
    }

    private sealed class Throwing : Workflow<object?, object?>
    {
        public override async Task<object?> RunAsync(IWorkflowContext context, object? input)
        {
            await context.CallActivityAsync("Step");
            throw new InvalidOperationException("target outside the allowed scopes");
        }
    }

    [Fact]
    public void A_workflow_that_throws_fails_with_its_exception()
    {
        HistoryEvent[] history = [Started("Throwing", null), new ActivityScheduled(T0, 0, "Step", null)];
        ReplayOutcome outcome = WorkflowReplayer.Replay(new Throwing(), "x", history, [new ActivityCompleted(T0, 0, null)]);
        Assert.Equal(ReplayState.Failed, outcome.State);
        Assert.Equal("System.InvalidOperationException", outcome.Failure!.ErrorType);
        Assert.Equal("target outside the allowed scopes", outcome.Failure.ErrorMessage);
    }

    /// <summary>Not an async method: it throws before returning a task, as an <see cref="IWorkflow"/> written by hand can.</summary>
    private sealed class ThrowingAtOnce : IWorkflow
    {
        public Type InputType => typeof(object);

        public Task<object?> RunAsync(IWorkflowContext context, object? input) => throw new InvalidOperationException("refused before the first step");
    }

    [Fact]
    public void A_workflow_that_throws_before_its_first_await_fails_instead_of_escaping_the_replay()
    {
        ReplayOutcome outcome = WorkflowReplayer.Replay(new ThrowingAtOnce(), "x", [Started("ThrowingAtOnce", null)], []);

        Assert.Equal(ReplayState.Failed, outcome.State);
        Assert.Equal("System.InvalidOperationException", outcome.Failure!.ErrorType);
        Assert.Equal("refused before the first step", outcome.Failure.ErrorMessage);
    }

    [Fact]
    public void Input_that_does_not_deserialize_is_reported_by_name()
    {
        var error = Assert.Throws<WorkflowPayloadException>(() => WorkflowReplayer.Replay(new FanOut(), "f", [new WorkflowStarted(T0, "FanOut", "\"many\"")], []));
        Assert.StartsWith("input of workflow FanOut is not a valid Int32", error.Message, StringComparison.Ordinal);
    }
}
