namespace CaptureOrchestrator.Engine.Replay;

/// <summary>
/// Runs every continuation of workflow code on the replaying thread, in the order they were
/// posted, only when the replayer pumps — which makes execution deterministic.
/// </summary>
internal sealed class ReplaySynchronizationContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();

    public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs queued continuations (and those they queue) until none are left.</summary>
    public void Drain()
    {
        while (_queue.TryDequeue(out (SendOrPostCallback Callback, object? State) item))
        {
            item.Callback(item.State);
        }
    }
}
