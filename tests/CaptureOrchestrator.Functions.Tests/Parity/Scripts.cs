using CaptureOrchestrator.Functions.Tests.Engines;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>Short ways to write scripted activities.</summary>
internal static class Scripts
{
    public static Script ReturnsNothing { get; } = _ => Task.FromResult<object?>(null);

    public static Script Returns(object value) => _ => Task.FromResult<object?>(value);

    public static Script Returns(Func<ScriptedCall, object?> answer) => call => Task.FromResult(answer(call));

    /// <summary>Fails every call with the exception <paramref name="error"/> makes.</summary>
    public static Script Throws(Func<ScriptedCall, Exception> error) => call => Task.FromException<object?>(error(call));

    /// <summary>Raises an event on the calling instance, then answers.</summary>
    public static Script RaisesThenReturns(Func<ScriptedCall, Task> raise, Func<ScriptedCall, object?> answer) => async call =>
    {
        await raise(call).ConfigureAwait(false);
        return answer(call);
    };

    /// <summary>A copy of <paramref name="scripts"/> with some replaced.</summary>
    public static Dictionary<string, Script> With(this IReadOnlyDictionary<string, Script> scripts, params (string Activity, Script Script)[] changes)
    {
        var copy = new Dictionary<string, Script>(scripts, StringComparer.Ordinal);
        foreach ((string activity, Script script) in changes)
        {
            copy[activity] = script;
        }

        return copy;
    }
}
