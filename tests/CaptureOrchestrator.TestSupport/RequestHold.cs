namespace CaptureOrchestrator.TestSupport;

/// <summary>
/// Holds the first request that matches at a fake server until released: the request has reached
/// the service, which has neither acted on it nor answered. A test kills the caller meanwhile.
/// </summary>
public sealed class RequestHold(string method, string pathContains)
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _actedOn = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the matching request arrives (and is being held).</summary>
    public Task Arrived => _arrived.Task;

    /// <summary>Lets the held request go on: the fake acts on it and answers (to whoever still listens).</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>Completes once the fake has acted on the held request, after <see cref="Release"/>.</summary>
    public Task ActedOn => _actedOn.Task;

    /// <summary>Called by the fake once it has acted on the request it held.</summary>
    public void MarkActedOn() => _actedOn.TrySetResult();

    /// <summary>Called by a fake for every request before it acts; waits (at most a minute) when this is the one to hold.</summary>
    /// <returns>Whether this request was the one held (the fake then calls <see cref="MarkActedOn"/>).</returns>
    public async Task<bool> PassAsync(string requestMethod, string path)
    {
        if (!string.Equals(requestMethod, method, StringComparison.OrdinalIgnoreCase)
            || !path.Contains(pathContains, StringComparison.OrdinalIgnoreCase)
            || !_arrived.TrySetResult())
        {
            return false;
        }

        await _released.Task.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        return true;
    }
}
