using Azure;
using CaptureOrchestrator.Core.Capture;

namespace CaptureOrchestrator.Activities;

/// <summary>
/// Sorts failures into "try again" (throttling, 5xx, timeouts: rethrown as they are, the workflow's
/// retry policy repeats the step) and "trying again cannot help" (<see cref="PermanentFailureException"/>
/// with a one-line message the ticket can carry).
/// </summary>
internal static class AzureErrors
{
    public static async Task<T> Classify<T>(string step, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        // A 2xx here is an operation whose result said no (e.g. the firewall is busy): the service's answer, not a glitch.
        catch (RequestFailedException ex) when (ex.Status is >= 200 and < 500 and not 408 and not 429)
        {
            throw new PermanentFailureException($"{step}: {ex.ErrorCode ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {FirstLine(ex.Message)}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new PermanentFailureException($"{step}: {ex.Message}", ex);
        }
        catch (global::Azure.Identity.AuthenticationFailedException ex)
        {
            // No managed identity, no login: retrying in ten seconds will not conjure one.
            throw new PermanentFailureException($"{step}: no usable Azure credential ({FirstLine(ex.Message)})", ex);
        }
    }

    public static Task Classify(string step, Func<Task> call) =>
        Classify<bool>(step, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        });

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
