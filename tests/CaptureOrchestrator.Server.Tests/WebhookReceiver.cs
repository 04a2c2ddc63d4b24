using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>A loopback HTTP endpoint standing in for the Teams webhook and the ticket system; it can be "down" for a while.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, int> _failuresByPath = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _answers = new(StringComparer.Ordinal);
    private int _failuresLeft;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public ConcurrentQueue<(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)> Received { get; } = new();

    public int Refused;

    /// <summary>Requests to hold before they are recorded and answered (see <see cref="TestSupport.RequestHold"/>).</summary>
    public ConcurrentQueue<TestSupport.RequestHold> Holds { get; } = new();

    /// <summary>Every request, refused or not, in arrival order: method, path, headers.</summary>
    public ConcurrentQueue<(string Method, string Path, IReadOnlyDictionary<string, string> Headers)> Attempts { get; } = new();

    public static async Task<WebhookReceiver> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUri = InProcessServer.AddressOf(app);
        return receiver;
    }

    /// <summary>The next <paramref name="count"/> deliveries are answered 503, as a webhook that is down.</summary>
    public void BeDownFor(int count) => _failuresLeft = count;

    /// <summary>The next <paramref name="count"/> requests to <paramref name="method"/> paths starting with <paramref name="pathPrefix"/> are answered 503.</summary>
    public void FailNext(string method, string pathPrefix, int count)
    {
        lock (_failuresByPath)
        {
            _failuresByPath[method + " " + pathPrefix] = count;
        }
    }

    /// <summary>Requests to <paramref name="method"/> paths starting with <paramref name="pathPrefix"/> are answered 200 with this JSON (a ticket system's lookups).</summary>
    public void Answer(string method, string pathPrefix, string json) => _answers[method + " " + pathPrefix] = json;

    private bool TakeFailure(string route)
    {
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            return true;
        }

        lock (_failuresByPath)
        {
            string? key = _failuresByPath.Keys.FirstOrDefault(k => route.StartsWith(k, StringComparison.Ordinal));
            if (key is not null && _failuresByPath[key] > 0)
            {
                _failuresByPath[key]--;
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        TestSupport.RequestHold? held = null;
        foreach (TestSupport.RequestHold hold in Holds)
        {
            held = await hold.PassAsync(context.Request.Method, context.Request.Path.Value ?? string.Empty) ? hold : held;
        }

        string route = context.Request.Method + " " + context.Request.Path.Value;
        if (TakeFailure(route))
        {
            Interlocked.Increment(ref Refused);
            Attempts.Enqueue((context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            context.Response.StatusCode = 503;
            return;
        }

        Attempts.Enqueue((context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        Received.Enqueue((context.Request.Path.Value ?? "", context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
        held?.MarkActedOn();
        if (_answers.Keys.FirstOrDefault(k => route.StartsWith(k, StringComparison.Ordinal)) is { } answered)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(_answers[answered]);
            return;
        }

        context.Response.StatusCode = 202;
    }
}
