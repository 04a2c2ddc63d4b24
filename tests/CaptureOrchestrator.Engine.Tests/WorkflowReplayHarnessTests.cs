using System.Text.Json;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine.Replay;
using CaptureOrchestrator.Engine.Testing;

namespace CaptureOrchestrator.Engine.Tests;

public sealed class WorkflowReplayHarnessTests
{
    private sealed record Request(string Target, int Minutes);

    /// <summary>Shaped like the product's capture workflow: start, wait out the duration or a cancel event, always clean up.</summary>
    private sealed class CaptureLike : Workflow<Request, string>
    {
        public override async Task<string> RunAsync(IWorkflowContext context, Request request)
        {
            string session = await context.CallActivityAsync<string>("Start", request.Target);
            try
            {
                using var cancel = new CancellationTokenSource();
                Task timer = context.CreateTimer(TimeSpan.FromMinutes(request.Minutes), cancel.Token);
                Task<string> cancelled = context.WaitForExternalEvent<string>("cancel");
                if (await Task.WhenAny(timer, cancelled) == cancelled)
                {
                    cancel.Cancel();
                    return "cancelled by " + await cancelled;
                }

                return await context.CallActivityAsync<string>("Analyze", session);
            }
            finally
            {
                await context.CallActivityAsync("Delete", session);
            }
        }
    }

    private static readonly Dictionary<string, Func<JsonElement, object?>> Script = new()
    {
        ["Start"] = target => "session-for-" + target.GetString(),
        ["Analyze"] = session => "verdict for " + session.GetString(),
        ["Delete"] = _ => null,
    };

    [Fact]
    public async Task Runs_with_scripted_activities_through_timers_and_verifies_the_replay()
    {
        HarnessRun run = await WorkflowReplayHarness.RunAndVerify("CaptureLike", () => new CaptureLike(), new Request("vm-1", 30), Script);

        Assert.Equal(WorkflowRuntimeStatus.Completed, run.Instance.RuntimeStatus);
        Assert.Equal(WorkflowSerializer.Serialize("verdict for session-for-vm-1"), run.Instance.SerializedOutput);
        Assert.Equal(["Start", "Analyze", "Delete"], run.ActivityCalls.Select(c => c.Activity));
        Assert.Single(run.History.OfType<TimerCreated>());
    }

    [Fact]
    public async Task Events_arrive_at_their_time_and_cleanup_still_runs()
    {
        HarnessRun run = await WorkflowReplayHarness.RunAndVerify("CaptureLike", () => new CaptureLike(), new Request("vm-1", 30), Script,
            events: [(TimeSpan.FromMinutes(5), "cancel", "ticket INC001")]);

        Assert.Equal(WorkflowSerializer.Serialize("cancelled by ticket INC001"), run.Instance.SerializedOutput);
        Assert.Equal(["Start", "Delete"], run.ActivityCalls.Select(c => c.Activity));
    }
}
