using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Core;

namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>Where the result of a finished long-running operation is read from (the spec's final-state-via).</summary>
internal enum FinalStateVia
{
    /// <summary>GET the resource itself once the async status says Succeeded (ARM PUT).</summary>
    OriginalUri,

    /// <summary>The last response of the Location URL (ARM POST actions and DELETE).</summary>
    Location,
}

/// <summary>
/// Follows an ARM long-running operation to its end: the Azure-AsyncOperation URL when ARM gives
/// one (its body carries the status), the Location URL otherwise (202 while running). Polling URLs
/// are opaque — followed as given, never rebuilt. Retry-After is honoured; the wait is bounded by
/// <see cref="ArmClientOptions.OperationTimeout"/> and the caller's cancellation.
/// </summary>
internal sealed class ArmOperationPoller(ArmPipeline pipeline)
{
    private const string AsyncOperationHeader = "Azure-AsyncOperation";
    private const string LocationHeader = "Location";

    public async Task<Response> SendAsync(
        RequestMethod method, string path, string apiVersion, object? body, FinalStateVia finalState, string operation, CancellationToken cancellationToken)
    {
        Response initial = await pipeline.SendAsync(method, path, apiVersion, body, cancellationToken).ConfigureAwait(false);
        Uri? asyncUrl = PollingUrl(initial, AsyncOperationHeader, operation);
        Uri? locationUrl = PollingUrl(initial, LocationHeader, operation);
        bool started = initial.Status is 201 or 202 || (asyncUrl is not null && method != RequestMethod.Post);
        if (!started || (asyncUrl is null && locationUrl is null))
        {
            return initial;
        }

        var deadline = Stopwatch.StartNew();
        Response last = initial;
        if (asyncUrl is not null)
        {
            while (true)
            {
                await DelayAsync(last, deadline, operation, cancellationToken).ConfigureAwait(false);
                last = await pipeline.GetUrlAsync(asyncUrl, cancellationToken).ConfigureAwait(false);
                AsyncStatus status = ArmPipeline.Read<AsyncStatus>(last, operation);
                if (IsTerminal(status.Status, out bool succeeded))
                {
                    if (!succeeded)
                    {
                        throw Failed(operation, status, last.Status);
                    }

                    break;
                }
            }

            if (finalState == FinalStateVia.OriginalUri || locationUrl is null)
            {
                return method == RequestMethod.Put || method == RequestMethod.Patch
                    ? await pipeline.SendAsync(RequestMethod.Get, path, apiVersion, null, cancellationToken).ConfigureAwait(false)
                    : last;
            }

            return await pipeline.GetUrlAsync(locationUrl, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            await DelayAsync(last, deadline, operation, cancellationToken).ConfigureAwait(false);
            last = await pipeline.GetUrlAsync(locationUrl!, cancellationToken).ConfigureAwait(false);
            if (last.Status != 202)
            {
                return finalState == FinalStateVia.OriginalUri && (method == RequestMethod.Put || method == RequestMethod.Patch)
                    ? await pipeline.SendAsync(RequestMethod.Get, path, apiVersion, null, cancellationToken).ConfigureAwait(false)
                    : last;
            }
        }
    }

    private static Uri? PollingUrl(Response response, string header, string operation)
    {
        if (!response.Headers.TryGetValue(header, out string? value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out Uri? url) && url.Scheme == Uri.UriSchemeHttps
            ? url
            : throw new RequestFailedException(response.Status, $"{operation}: ARM returned a {header} header that is not an absolute https URL.", "InvalidPollingUrl", null);
    }

    private async Task DelayAsync(Response last, Stopwatch elapsed, string operation, CancellationToken cancellationToken)
    {
        TimeSpan remaining = pipeline.Options.OperationTimeout - elapsed.Elapsed;
        if (remaining <= TimeSpan.Zero)
        {
            throw new TimeoutException($"{operation} did not finish within {pipeline.Options.OperationTimeout} (last poll answered {last.Status}); the operation may still complete in Azure.");
        }

        TimeSpan delay = RetryAfter(last) ?? pipeline.Options.PollingInterval;
        await Task.Delay(delay < remaining ? delay : remaining, cancellationToken).ConfigureAwait(false);
    }

    private static TimeSpan? RetryAfter(Response response)
    {
        if (!response.Headers.TryGetValue("Retry-After", out string? value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at)
            ? TimeSpan.FromTicks(Math.Max(0, (at - DateTimeOffset.UtcNow).Ticks))
            : null;
    }

    private static bool IsTerminal(string? status, out bool succeeded)
    {
        succeeded = string.Equals(status, "Succeeded", StringComparison.OrdinalIgnoreCase);
        return succeeded
            || string.Equals(status, "Failed", StringComparison.OrdinalIgnoreCase)
            || string.Equals(status, "Canceled", StringComparison.OrdinalIgnoreCase)
            || string.Equals(status, "Cancelled", StringComparison.OrdinalIgnoreCase);
    }

    private static RequestFailedException Failed(string operation, AsyncStatus status, int httpStatus)
    {
        string code = status.Error?.Code ?? status.Status ?? "Failed";
        string detail = status.Error?.Message is { Length: > 0 } message ? ": " + message : string.Empty;
        return new RequestFailedException(httpStatus, $"{operation} ended {status.Status} ({code}){detail}", code, null);
    }

    private sealed record AsyncStatus(string? Status, ArmError? Error);

    internal sealed record ArmError(string? Code, string? Message);
}
