using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using CaptureOrchestrator.Azure.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>
/// The HTTP pipeline every ARM client shares: bearer token for the cloud's audience, Azure.Core's
/// retries (408, 429, 5xx, honouring Retry-After), request-id logging, JSON in and out, ARM error
/// bodies turned into <see cref="RequestFailedException"/> with the ARM error code, and long-running
/// operations followed to their end.
/// </summary>
internal sealed class ArmPipeline
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private readonly HttpPipeline _pipeline;

    public ArmPipeline(TokenCredential credential, ArmClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(credential);
        Options = options ?? new ArmClientOptions();
        ILogger logger = Options.LoggerFactory?.CreateLogger("CaptureOrchestrator.Azure.Arm") ?? NullLogger.Instance;
        _pipeline = HttpPipelineBuilder.Build(
            Options,
            perCallPolicies: [],
            perRetryPolicies: [new BearerTokenAuthenticationPolicy(credential, Options.Environment.DefaultScope), new RequestIdLoggingPolicy(logger, "ARM")],
            new ResponseClassifier());
    }

    public ArmClientOptions Options { get; }

    public Uri Endpoint => Options.Environment.Endpoint;

    /// <summary>Sends one request to <paramref name="path"/> (already escaped) and throws for an error status.</summary>
    public async Task<Response> SendAsync(RequestMethod method, string path, string apiVersion, object? body, CancellationToken cancellationToken)
    {
        HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(Endpoint);
        message.Request.Uri.AppendPath(path, escape: false);
        message.Request.Uri.AppendQuery("api-version", apiVersion);
        message.Request.Headers.Add("Accept", "application/json");
        if (body is not null)
        {
            message.Request.Headers.Add("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
        }
        else if (method == RequestMethod.Post || method == RequestMethod.Put)
        {
            // ARM expects a length on bodiless POSTs (stop, queryStatus); some front ends answer 411 otherwise.
            message.Request.Content = RequestContent.Create(ReadOnlyMemory<byte>.Empty);
        }

        return await SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every item of a list operation: GETs the path, then follows each page's <c>nextLink</c> (an
    /// opaque absolute URL, held to the same endpoint as polling URLs) until a page has none.
    /// </summary>
    /// <param name="path">The list operation's path.</param>
    /// <param name="apiVersion">Its API version.</param>
    /// <param name="operation">What is being listed, for error messages.</param>
    /// <param name="select">The item, or null to leave it out; given the page's response for error context.</param>
    /// <param name="cancellationToken">Stops between and during pages.</param>
    public async Task<Response<IReadOnlyList<T>>> ListAsync<T>(string path, string apiVersion, string operation, Func<ArmResource<JsonElement>, Response, T?> select, CancellationToken cancellationToken)
        where T : class
    {
        var items = new List<T>();
        Response response = await SendAsync(RequestMethod.Get, path, apiVersion, null, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var page = Read<ArmPage<ArmResource<JsonElement>>>(response, operation);
            foreach (ArmResource<JsonElement> item in page.Value ?? [])
            {
                if (select(item, response) is { } selected)
                {
                    items.Add(selected);
                }
            }

            if (string.IsNullOrEmpty(page.NextLink))
            {
                return Response.FromValue<IReadOnlyList<T>>(items, response);
            }

            response = await GetUrlAsync(new Uri(page.NextLink), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>GETs a URL ARM handed out (a polling URL), after checking it points at the same endpoint.</summary>
    public async Task<Response> GetUrlAsync(Uri url, CancellationToken cancellationToken)
    {
        if (!string.Equals(url.GetLeftPart(UriPartial.Authority), Endpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            // The bearer token must only ever go to the configured ARM endpoint.
            throw new RequestFailedException(0, $"ARM returned a polling URL on another host ({url.GetLeftPart(UriPartial.Authority)}); only {Endpoint.GetLeftPart(UriPartial.Authority)} is trusted with the token.", "UntrustedPollingUrl", null);
        }

        HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(url);
        message.Request.Headers.Add("Accept", "application/json");
        return await SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    // The message is disposed only on failure: on success the caller reads the buffered response
    // (HttpMessage buffers by default, so no connection is held once this returns).
    private async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (message.Response.IsError)
            {
                throw new RequestFailedException(message.Response);
            }

            return message.Response;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>Reads a response body as <typeparamref name="T"/>; a body that is not what ARM documents is a typed error.</summary>
    public static T Read<T>(Response response, string operation)
    {
        try
        {
            return response.Content.ToObjectFromJson<T>(Json)
                ?? throw new JsonException("The body is JSON null.");
        }
        catch (JsonException ex)
        {
            throw new RequestFailedException(response.Status, $"{operation}: ARM answered {response.Status} with a body that is not the documented JSON ({ex.Message}).", "InvalidResponseBody", ex);
        }
    }
}
