using System.Diagnostics;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Azure.Pipeline;

/// <summary>
/// Logs one line per HTTP attempt with the service's request ids, which is what Azure support asks
/// for first. The query string is never logged: for blob URLs it can hold a SAS signature.
/// </summary>
public sealed partial class RequestIdLoggingPolicy(ILogger logger, string service) : HttpPipelinePolicy
{
    private static readonly string[] RequestIdHeaders = ["x-ms-request-id", "x-ms-correlation-request-id"];

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            else
            {
                ProcessNext(message, pipeline);
            }
        }
        catch (Exception ex) when (logger.IsEnabled(LogLevel.Warning))
        {
            LogFailed(logger, service, message.Request.Method.Method, message.Request.Uri.Path, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, ex.Message);
            throw;
        }

        Response response = message.Response;
        LogLevel level = response.Status >= 400 ? LogLevel.Warning : LogLevel.Debug;
        if (logger.IsEnabled(level))
        {
            long elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            string requestId = Header(response, RequestIdHeaders[0]);
            string correlationId = Header(response, RequestIdHeaders[1]);
            string path = message.Request.Uri.Path;
            LogAnswered(logger, level, service, message.Request.Method.Method, path, response.Status, elapsedMs, requestId, correlationId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service} {Method} {Path} failed after {ElapsedMs} ms: {Error}")]
    private static partial void LogFailed(ILogger logger, string service, string method, string path, long elapsedMs, string error);

    [LoggerMessage(Message = "{Service} {Method} {Path} -> {Status} in {ElapsedMs} ms (x-ms-request-id {RequestId}, x-ms-correlation-request-id {CorrelationId})")]
    private static partial void LogAnswered(ILogger logger, LogLevel level, string service, string method, string path, int status, long elapsedMs, string requestId, string correlationId);

    private static string Header(Response response, string name) =>
        response.Headers.TryGetValue(name, out string? value) ? value : "-";
}
