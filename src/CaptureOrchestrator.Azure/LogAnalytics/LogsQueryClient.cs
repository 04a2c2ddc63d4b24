using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using CaptureOrchestrator.Azure.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>The Log Analytics query API (data plane <c>v1</c>): one KQL query against a workspace.</summary>
public class LogsQueryClient
{
    private readonly HttpPipeline _pipeline;
    private readonly LogsQueryClientOptions _options;

    public LogsQueryClient(TokenCredential credential, LogsQueryClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credential);
        _options = options ?? new LogsQueryClientOptions();
        if (_options.Endpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("The Log Analytics endpoint must be https.", nameof(options));
        }

        ILogger logger = _options.LoggerFactory?.CreateLogger("CaptureOrchestrator.Azure.LogAnalytics") ?? NullLogger.Instance;
        _pipeline = HttpPipelineBuilder.Build(
            _options,
            perCallPolicies: [],
            perRetryPolicies: [new BearerTokenAuthenticationPolicy(credential, _options.Audience.TrimEnd('/') + "/.default"), new RequestIdLoggingPolicy(logger, "LogAnalytics")],
            new QueryResponseClassifier());
    }

    /// <summary>For mocking.</summary>
    protected LogsQueryClient()
    {
        _pipeline = null!;
        _options = null!;
    }

    /// <param name="workspaceId">The workspace (customer) id, a GUID — not the ARM resource id.</param>
    /// <param name="query">KQL, built with <see cref="KqlLiteral"/> for every caller-supplied value.</param>
    /// <param name="timeRange">Limits the rows scanned; intersected with any time filter in the query.</param>
    /// <exception cref="RequestFailedException">The query failed, or failed in part and partial results were not allowed (ErrorCode PartialError).</exception>
    public virtual async Task<Response<LogsQueryResult>> QueryWorkspaceAsync(
        Guid workspaceId, string query, TimeSpan? timeRange = null, LogsQueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        options ??= new LogsQueryOptions();
        if (options.ServerTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > LogsQueryOptions.MaxServerTimeout))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"ServerTimeout must be between 1 second and {LogsQueryOptions.MaxServerTimeout}.");
        }

        var body = new Dictionary<string, object> { ["query"] = query };
        if (timeRange is { } range)
        {
            body["timespan"] = System.Xml.XmlConvert.ToString(range);
        }

        if (options.AdditionalWorkspaces.Count > 0)
        {
            body["workspaces"] = options.AdditionalWorkspaces.Select(w => w.ToString("D")).ToArray();
        }

        using HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(_options.Endpoint);
        message.Request.Uri.AppendPath($"/v1/workspaces/{workspaceId:D}/query", escape: false);
        message.Request.Headers.Add("Content-Type", "application/json");
        message.Request.Headers.Add("Accept", "application/json");
        if (options.ServerTimeout is { } wait)
        {
            message.Request.Headers.Add("Prefer", "wait=" + ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
            // The client must outwait the server, or it gives up on a query still running.
            message.NetworkTimeout = wait + TimeSpan.FromSeconds(15);
        }

        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        Response response = message.Response;
        if (response.IsError)
        {
            throw new RequestFailedException(response);
        }

        LogsQueryResult result = Parse(response);
        if (result.Error is { } partial && !options.AllowPartialErrors)
        {
            throw new RequestFailedException(response.Status, $"The query failed in part ({partial.Code}): {partial.Message}{(partial.Details is null ? "" : " — " + partial.Details)}", partial.Code, null);
        }

        return Response.FromValue(result, response);
    }

    private static LogsQueryResult Parse(Response response)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(response.Content);
            JsonElement root = document.RootElement;
            var tables = new List<LogsTable>();
            foreach (JsonElement table in root.GetProperty("tables").EnumerateArray())
            {
                LogsTableColumn[] columns = table.GetProperty("columns").EnumerateArray()
                    .Select(c => new LogsTableColumn(c.GetProperty("name").GetString()!, c.TryGetProperty("type", out JsonElement t) ? t.GetString() ?? "string" : "string"))
                    .ToArray();
                JsonElement[][] rows = table.GetProperty("rows").EnumerateArray()
                    .Select(r => r.EnumerateArray().Select(cell => cell.Clone()).ToArray())
                    .ToArray();
                tables.Add(new LogsTable(table.TryGetProperty("name", out JsonElement n) ? n.GetString() ?? "" : "", columns, rows));
            }

            LogsQueryError? error = null;
            if (root.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.Object)
            {
                error = new LogsQueryError(
                    e.TryGetProperty("code", out JsonElement code) ? code.GetString() ?? "PartialError" : "PartialError",
                    e.TryGetProperty("message", out JsonElement message) ? message.GetString() ?? "" : "",
                    e.TryGetProperty("details", out JsonElement details) ? details.ToString() : null);
            }

            return new LogsQueryResult(tables, error);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new RequestFailedException(response.Status, $"Log Analytics answered {response.Status} with a body that is not a query result ({ex.Message}).", "InvalidResponseBody", ex);
        }
    }

    // A 504 here means the query outran its server timeout; running it again would only do the same.
    private sealed class QueryResponseClassifier : ResponseClassifier
    {
        public override bool IsRetriableResponse(HttpMessage message) =>
            message.Response.Status != 504 && base.IsRetriableResponse(message);
    }
}
