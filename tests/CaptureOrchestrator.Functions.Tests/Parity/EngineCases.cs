using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Tests.Engines;
using static CaptureOrchestrator.Functions.Tests.Parity.Scripts;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>
/// What every workflow relies on from its engine, with small workflows of the port written for
/// the purpose: the retry rule, failure details of activities and sub-workflows, and a workflow
/// that throws before its first await.
/// </summary>
internal static class EngineCases
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Calls a flaky activity and a refused one under the product's retry rule (short intervals), and returns what it saw.</summary>
    internal sealed class Retrying : Workflow<object?, string[]>
    {
        public const string Name = "Test.Retrying";

        public override async Task<string[]> RunAsync(IWorkflowContext context, object? input)
        {
            WorkflowTaskOptions retry = TransientRetry.Options(maxAttempts: 4, TimeSpan.FromMilliseconds(200));
            int succeededOn = await context.CallActivityAsync<int>("Flaky", "ping", retry);
            try
            {
                await context.CallActivityAsync("Refused", "ping", retry);
                return ["refused call succeeded"];
            }
            catch (WorkflowTaskFailedException failure)
            {
                return [$"flaky succeeded on attempt {succeededOn}", failure.Message, failure.FailureDetails.IsCausedBy<PermanentFailureException>().ToString()];
            }
        }
    }

    /// <summary>Lets an activity's failure fail the workflow.</summary>
    internal sealed class Unguarded : Workflow<object?, object?>
    {
        public const string Name = "Test.Unguarded";

        public override async Task<object?> RunAsync(IWorkflowContext context, object? input)
        {
            await context.CallActivityAsync("Boom", new { target = "vm1" });
            return null;
        }
    }

    /// <summary>An <see cref="IWorkflow"/> by hand (no async): throws before it returns a task.</summary>
    internal sealed class ThrowsAtOnce : IWorkflow
    {
        public const string Name = "Test.ThrowsAtOnce";

        public Type InputType => typeof(object);

        public Task<object?> RunAsync(IWorkflowContext context, object? input) => throw new InvalidOperationException("refused before the first step");
    }

    /// <summary>Calls a failing sub-workflow and returns the failure details it was given.</summary>
    internal sealed class Parent : Workflow<string, WorkflowFailureDetails?>
    {
        public const string Name = "Test.Parent";

        public override async Task<WorkflowFailureDetails?> RunAsync(IWorkflowContext context, string child)
        {
            try
            {
                await context.CallSubWorkflowAsync<object?>(child, context.InstanceId + "-child");
                return null;
            }
            catch (WorkflowTaskFailedException failure)
            {
                context.SetCustomStatus(new { failed = failure.TaskName });
                return failure.FailureDetails with { StackTrace = null, InnerFailure = failure.FailureDetails.InnerFailure is { } inner ? inner with { StackTrace = null } : null };
            }
        }
    }

    public static IReadOnlyDictionary<string, Func<IWorkflow>> Workflows { get; } = new Dictionary<string, Func<IWorkflow>>
    {
        [Retrying.Name] = () => new Retrying(),
        [Unguarded.Name] = () => new Unguarded(),
        [ThrowsAtOnce.Name] = () => new ThrowsAtOnce(),
        [Parent.Name] = () => new Parent(),
    };

    public static IEnumerable<WorkflowCase> All()
    {
        yield return new WorkflowCase(
            "retry-transient-until-it-works-permanent-once",
            Retrying.Name,
            _ => null,
            new Dictionary<string, Script>
            {
                ["Flaky"] = c => c.Attempt < 3 ? Task.FromException<object?>(new TimeoutException("ARM did not answer")) : Task.FromResult<object?>(c.Attempt),
                ["Refused"] = Throws(_ => new PermanentFailureException("AuthorizationFailed")),
            },
            run =>
            {
                Assert.Equal(WorkflowRuntimeStatus.Completed, run.Instance.RuntimeStatus);
                Assert.Equal(["flaky succeeded on attempt 3", $"'Refused' failed: {typeof(PermanentFailureException).FullName}: AuthorizationFailed", "True"], run.Output<string[]>());
                Assert.Equal([1, 2, 3], run.CallsTo("Flaky").Select(c => c.Attempt));
                Assert.Equal([1], run.CallsTo("Refused").Select(c => c.Attempt));
            },
            Timeout);

        yield return new WorkflowCase(
            "activity-failure-fails-the-workflow-with-its-cause",
            Unguarded.Name,
            _ => null,
            new Dictionary<string, Script> { ["Boom"] = Throws(_ => new InvalidOperationException("the NIC is gone")) },
            run =>
            {
                Assert.Equal(WorkflowRuntimeStatus.Failed, run.Instance.RuntimeStatus);
                WorkflowFailureDetails failure = run.Instance.FailureDetails!;
                Assert.Equal(typeof(WorkflowTaskFailedException).FullName, failure.ErrorType);
                Assert.Equal("'Boom' failed: System.InvalidOperationException: the NIC is gone", failure.ErrorMessage);
                Assert.Single(run.CallsTo("Boom"));
            },
            Timeout);

        yield return new WorkflowCase(
            "workflow-that-throws-before-its-first-await-fails",
            ThrowsAtOnce.Name,
            _ => null,
            new Dictionary<string, Script>(),
            run =>
            {
                Assert.Equal(WorkflowRuntimeStatus.Failed, run.Instance.RuntimeStatus);
                Assert.Equal("System.InvalidOperationException", run.Instance.FailureDetails!.ErrorType);
                Assert.Equal("refused before the first step", run.Instance.FailureDetails.ErrorMessage);
            },
            Timeout);

        yield return new WorkflowCase(
            "sub-workflow-failure-reaches-the-parent-with-its-details",
            Parent.Name,
            _ => Unguarded.Name,
            new Dictionary<string, Script> { ["Boom"] = Throws(_ => new InvalidOperationException("the NIC is gone")) },
            run =>
            {
                Assert.Equal(WorkflowRuntimeStatus.Completed, run.Instance.RuntimeStatus);
                WorkflowFailureDetails failure = run.Output<WorkflowFailureDetails>();
                Assert.Equal(typeof(WorkflowTaskFailedException).FullName, failure.ErrorType);
                Assert.Equal("'Boom' failed: System.InvalidOperationException: the NIC is gone", failure.ErrorMessage);
            },
            Timeout);
    }
}
