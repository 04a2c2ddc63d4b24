using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Tests;

public sealed class RetryPolicyTests
{
    private static readonly WorkflowFailureDetails Failure = new(typeof(TimeoutException).FullName!, "timed out");

    [Fact]
    public void Delays_grow_by_the_coefficient_and_stop_at_the_cap()
    {
        var policy = new RetryPolicy(maxAttempts: 6, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(5));

        Assert.Equal(
            [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)],
            Enumerable.Range(2, 5).Select(attempt => policy.DelayBefore(attempt, Failure)!.Value));
    }

    [Fact]
    public void No_retry_beyond_the_last_attempt_or_for_unhandled_failures()
    {
        var policy = new RetryPolicy(3, TimeSpan.FromSeconds(1), handle: f => f.IsCausedBy<TimeoutException>());

        Assert.NotNull(policy.DelayBefore(3, Failure));
        Assert.Null(policy.DelayBefore(4, Failure));
        Assert.Null(policy.DelayBefore(2, new WorkflowFailureDetails(typeof(ArgumentException).FullName!, "bad input")));
    }

    [Theory]
    [InlineData(0, 1, 1.0)]
    [InlineData(3, 0, 1.0)]
    [InlineData(3, 1, 0.5)]
    public void Invalid_policies_are_refused(int attempts, int firstSeconds, double coefficient) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new RetryPolicy(attempts, TimeSpan.FromSeconds(firstSeconds), coefficient));
}

public sealed class WorkflowFailureDetailsTests
{
    [Fact]
    public void Exceptions_become_details_with_their_inner_cause()
    {
        var error = new InvalidOperationException("outer", new TimeoutException("inner"));

        WorkflowFailureDetails details = WorkflowFailureDetails.FromException(error);

        Assert.Equal("System.InvalidOperationException", details.ErrorType);
        Assert.Equal("outer", details.ErrorMessage);
        Assert.Equal("inner", details.InnerFailure!.ErrorMessage);
        Assert.True(details.IsCausedBy<InvalidOperationException>());
        Assert.True(details.IsCausedBy<Exception>());
        Assert.False(details.IsCausedBy<TimeoutException>());
    }

    private sealed class CaptureQuotaException : InvalidOperationException;

    [Fact]
    public void Exception_types_from_any_loaded_assembly_are_recognised()
    {
        WorkflowFailureDetails details = WorkflowFailureDetails.FromException(new CaptureQuotaException());
        Assert.True(details.IsCausedBy<CaptureQuotaException>());
        Assert.True(details.IsCausedBy<InvalidOperationException>());
    }

    [Fact]
    public void Task_failures_name_the_task_and_the_cause()
    {
        var failed = new WorkflowTaskFailedException("StartPacketCapture", new WorkflowFailureDetails("Azure.RequestFailedException", "429 Too Many Requests"));
        Assert.Equal("'StartPacketCapture' failed: Azure.RequestFailedException: 429 Too Many Requests", failed.Message);
    }
}

public sealed class WorkflowRegistryTests
{
    private sealed class Echo : Activity<string, string>
    {
        public override Task<string> RunAsync(WorkflowActivityContext context, string input, CancellationToken cancellationToken) => Task.FromResult(input);
    }

    [Fact]
    public void Names_resolve_to_new_instances_and_duplicates_are_refused()
    {
        var registry = new WorkflowRegistry().AddActivity("Echo", () => new Echo());

        Assert.True(registry.TryCreateActivity("Echo", out IActivity first));
        Assert.True(registry.TryCreateActivity("Echo", out IActivity second));
        Assert.NotSame(first, second);
        Assert.False(registry.TryCreateActivity("Missing", out _));
        Assert.False(registry.TryCreateWorkflow("Echo", out _));
        Assert.Throws<ArgumentException>(() => registry.AddActivity("Echo", () => new Echo()));
    }

    [Fact]
    public async Task Typed_activities_run_through_the_untyped_interface()
    {
        IActivity activity = new Echo();
        object? result = await activity.RunAsync(new WorkflowActivityContext("Echo", "i-1", 1), "hello", CancellationToken.None);
        Assert.Equal("hello", result);
        Assert.Equal(typeof(string), activity.InputType);
    }
}

public sealed class WorkflowSerializerTests
{
    private sealed record CaptureRequest(string Target, int DurationSeconds);

    [Fact]
    public void Round_trips_with_web_naming()
    {
        string json = WorkflowSerializer.Serialize(new CaptureRequest("vm-1", 60))!;
        Assert.Equal("{\"target\":\"vm-1\",\"durationSeconds\":60}", json);
        Assert.Equal(new CaptureRequest("vm-1", 60), WorkflowSerializer.Deserialize(json, typeof(CaptureRequest), "input"));
    }

    [Fact]
    public void A_payload_that_does_not_deserialize_names_what_it_was()
    {
        var error = Assert.Throws<WorkflowPayloadException>(() => WorkflowSerializer.Deserialize("{\"durationSeconds\":\"sixty\"}", typeof(CaptureRequest), "input of PacketCapture"));
        Assert.StartsWith("input of PacketCapture is not a valid CaptureRequest", error.Message, StringComparison.Ordinal);
    }
}
