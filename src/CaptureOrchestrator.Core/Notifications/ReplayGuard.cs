using System.Collections.Concurrent;

namespace CaptureOrchestrator.Core.Notifications;

/// <summary>
/// Remembers the signatures of state-changing requests for as long as they could verify, so one
/// seen in transit cannot be sent again inside the window. Per process: on Azure Functions with
/// several instances a replay reaching another instance within the window is not caught here
/// (the function key still has to be stolen with it).
/// </summary>
public sealed class ReplayGuard(TimeProvider time, TimeSpan window)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    /// <summary>True the first time <paramref name="signature"/> is presented within the window; false for a replay.</summary>
    public bool FirstUse(string signature)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (now >= _nextPurge)
        {
            foreach ((string key, DateTimeOffset forgetAt) in _seen)
            {
                if (forgetAt <= now)
                {
                    _seen.TryRemove(key, out _);
                }
            }

            _nextPurge = now + TimeSpan.FromSeconds(30);
        }

        // A signature verifies up to one window either side of its timestamp: remember it twice that long.
        return _seen.TryAdd(signature, now + window + window);
    }
}
