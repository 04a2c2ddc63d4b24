using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Core.Capture;

/// <summary>
/// The runbook for one target: prepare, start, capture for the duration (unless cancelled), stop,
/// wait for the file, analyse — and clean the session up whatever happened.
/// </summary>
internal sealed class TargetCaptureSteps(IWorkflowContext context, CaptureOperation operation, CaptureTarget target, Task cancelRequested, ProgressBoard progress)
{
    /// <summary>Transient failures (throttling, 5xx, timeouts) are retried; permanent ones are not.</summary>
    internal static readonly WorkflowTaskOptions AzureCall = TransientRetry.Options(maxAttempts: 5, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2));

    private readonly List<string> _notes = [];
    private TargetProgress? _outcome;
    private CaptureSession? _session;
    private bool _stopFailed;
    private bool _cleanupFailed;

    public async Task<TargetOutcome> RunAsync()
    {
        TargetOutcome outcome;
        try
        {
            outcome = await CaptureAsync();
        }
        finally
        {
            if (_session is not null)
            {
                await CleanUpAsync(_session);
            }
        }

        // Cleanup stops what a Network Watcher session or a firewall left running; a gateway is stopped only
        // by the stop step (which uploads the file). What may still run is the sweeper's to stop.
        bool gateway = !target.Kind.IsNetworkWatcher() && target.Kind != TargetKind.Firewall;
        return outcome with { Notes = _notes, LeftRunning = _cleanupFailed || (_stopFailed && gateway) };
    }

    private async Task<TargetOutcome> CaptureAsync()
    {
        CaptureSession? session = null;
        string step = "prepare";
        try
        {
            progress.Target(target.Index, TargetState.Preparing);
            PreparedTarget prepared = await context.CallActivityAsync<PreparedTarget>(CaptureActivities.PrepareTarget, new PrepareTargetInput(operation.OperationId, operation.Ticket, target), AzureCall);
            _notes.AddRange(prepared.Notes);

            step = "start";
            progress.Target(target.Index, TargetState.Starting);
            session = _session = await context.CallActivityAsync<CaptureSession>(
                CaptureActivities.StartCapture,
                new StartCaptureInput(operation.OperationId, operation.Ticket, prepared, operation.Filter, operation.DurationSeconds, operation.MaxBytesPerTarget, operation.BytesPerPacket),
                AzureCall);

            progress.Target(target.Index, TargetState.Capturing, $"until {context.CurrentUtcDateTime.AddSeconds(operation.DurationSeconds):u}");
            bool cancelled = await CaptureWindowAsync();

            step = "stop";
            progress.Target(target.Index, TargetState.Stopping);
            await context.CallActivityAsync(CaptureActivities.StopCapture, session, AzureCall);
            if (cancelled)
            {
                return Outcome(TargetState.Cancelled, null, "cancelled before the capture window ended");
            }

            step = "wait for the capture file";
            progress.Target(target.Index, TargetState.WaitingForFile);
            IReadOnlyList<CaptureFile> files = await WaitForFilesAsync(session);
            if (cancelRequested.IsCompleted)
            {
                return Outcome(TargetState.Cancelled, null, "cancelled while waiting for the capture file");
            }

            if (files.Count == 0)
            {
                return Outcome(TargetState.NoFile, null,
                    $"the capture file did not appear in storage within {Duration(operation.Timings.FileDeadlineSeconds)} of the stop; check that the target can reach the storage account");
            }

            step = "analyse";
            progress.Target(target.Index, TargetState.Analyzing, $"{files.Count} file(s), {files.Sum(f => f.Length):N0} bytes");
            TargetAnalysis analysis = await context.CallActivityAsync<TargetAnalysis>(
                CaptureActivities.AnalyzeCapture, new AnalyzeCaptureInput(operation.OperationId, operation.Ticket, target, files), AzureCall);
            return Outcome(TargetState.Analyzed, analysis, null);
        }
        catch (WorkflowTaskFailedException failure)
        {
            _stopFailed = step == "stop";
            return Outcome(TargetState.Failed, null, $"could not {step}: {failure.FailureDetails.ErrorMessage}");
        }
    }

    /// <summary>Waits out the capture duration; true when a cancel arrived first.</summary>
    private async Task<bool> CaptureWindowAsync()
    {
        using var timerCancellation = new CancellationTokenSource();
        Task window = context.CreateTimer(TimeSpan.FromSeconds(operation.DurationSeconds), timerCancellation.Token);
        if (await Task.WhenAny(window, cancelRequested).ConfigureAwait(true) == window)
        {
            return false;
        }

#pragma warning disable CA1849 // synchronous on purpose: the host schedules workflow code deterministically
        timerCancellation.Cancel();
#pragma warning restore CA1849
        return true;
    }

    /// <summary>
    /// Looks for the files, then waits for a BlobCreated notification or the next poll (backing off),
    /// until enough files are there, the deadline passes, or the operation is cancelled. When the
    /// count is not known in advance (a firewall writes one file per backend instance), enough is
    /// "some, and no more arrived between two looks".
    /// </summary>
    private async Task<IReadOnlyList<CaptureFile>> WaitForFilesAsync(CaptureSession session)
    {
        DateTime deadline = context.CurrentUtcDateTime.AddSeconds(operation.Timings.FileDeadlineSeconds);
        TimeSpan poll = TimeSpan.FromSeconds(operation.Timings.FirstPollSeconds);
        int previousCount = 0;
        while (true)
        {
            CaptureFile[] files = await context.CallActivityAsync<CaptureFile[]>(CaptureActivities.FindCaptureFiles, session, AzureCall);
            TimeSpan left = deadline - context.CurrentUtcDateTime;
            bool enough = session.ExpectedFiles > 0 ? files.Length >= session.ExpectedFiles : files.Length > 0 && files.Length == previousCount;
            if (enough || cancelRequested.IsCompleted)
            {
                return files;
            }

            if (left <= TimeSpan.Zero)
            {
                if (files.Length > 0 && session.ExpectedFiles > 0)
                {
                    _notes.Add($"only {files.Length} of {session.ExpectedFiles} capture files arrived before the deadline; analysed those");
                }

                return files;
            }

            previousCount = files.Length;

            using var stopWaiting = new CancellationTokenSource();
            Task nextPoll = context.CreateTimer(poll < left ? poll : left, stopWaiting.Token);
            Task<CaptureFile> created = context.WaitForExternalEvent<CaptureFile>(PacketCaptureWorkflow.FileCreatedEvent(target.Index), stopWaiting.Token);
            await Task.WhenAny(nextPoll, created, cancelRequested).ConfigureAwait(true);
#pragma warning disable CA1849
            stopWaiting.Cancel();
#pragma warning restore CA1849
            poll = TimeSpan.FromSeconds(Math.Min(poll.TotalSeconds * 2, operation.Timings.MaxPollSeconds));
        }
    }

    /// <summary>"45 seconds", "15 minutes": as a person says it (a deadline under two minutes in whole minutes would read "0 minutes").</summary>
    private static string Duration(int seconds) =>
        seconds < 120 ? $"{seconds} second{(seconds == 1 ? string.Empty : "s")}" : $"{seconds / 60} minutes";

    private async Task CleanUpAsync(CaptureSession session)
    {
        try
        {
            progress.Target(target.Index, TargetState.CleaningUp);
            await context.CallActivityAsync(CaptureActivities.CleanupCapture, session, AzureCall);
        }
        catch (WorkflowTaskFailedException failure)
        {
            // The sweeper finds sessions left behind; say so rather than fail the whole target.
            _cleanupFailed = true;
            _notes.Add($"cleanup failed ({failure.FailureDetails.ErrorMessage}); the sweeper will remove the session");
        }
        finally
        {
            if (_outcome is not null)
            {
                progress.Target(target.Index, _outcome.State, _outcome.Detail); // the session is gone: show the outcome again
            }
        }
    }

    private TargetOutcome Outcome(TargetState state, TargetAnalysis? analysis, string? problem)
    {
        _outcome = new TargetProgress(target.Index, target.ResourceId.ToString(), state, problem);
        progress.Target(target.Index, state, problem);
        return new TargetOutcome(target.Index, target.ResourceId.ToString(), target.Kind, state, analysis, problem, _notes);
    }
}
