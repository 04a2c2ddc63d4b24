using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.TestSupport;

/// <summary>One request as the server saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A scripted answer; "{base}" in header values becomes the server's own base URL.</summary>
public sealed record Reply(int Status, string? Body = null, params (string Name, string Value)[] Headers)
{
    /// <summary>How long the server sits on the request before answering (for timeout tests).</summary>
    public TimeSpan Delay { get; init; }
}

/// <summary>
/// A real HTTPS server (Kestrel) on 127.0.0.1 with a throw-away self-signed certificate, answering
/// from a script in order. HTTPS because Azure.Core's bearer-token policy rightly refuses to send a
/// token over plain HTTP; the client trusts exactly this certificate (pinned), nothing else.
/// </summary>
public sealed class LoopbackHttpsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<RecordedRequest, Reply>> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly X509Certificate2 _certificate;

    private LoopbackHttpsServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>The SHA-1 thumbprint a client pins to trust this server.</summary>
    public string CertificateThumbprint => _certificate.Thumbprint;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Requests that found no scripted reply (answered 599 so the client fails loudly).</summary>
    public int Unscripted { get; private set; }

    public static async Task<LoopbackHttpsServer> StartAsync()
    {
        X509Certificate2 certificate = CreateCertificate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        WebApplication app = builder.Build();
        var server = new LoopbackHttpsServer(app, certificate);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUri = new Uri(address);
        return server;
    }

    /// <summary>A transport that trusts this server's certificate and no other.</summary>
    public HttpPipelineTransport CreateTransport()
    {
        string thumbprint = _certificate.Thumbprint;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint,
        };
        return new HttpClientTransport(handler);
    }

    /// <summary>Requests to hold before they are answered (see <see cref="RequestHold"/>).</summary>
    public ConcurrentQueue<RequestHold> Holds { get; } = new();

    /// <summary>When set, answers every request (a stateful fake) instead of the script.</summary>
    public Func<RecordedRequest, Reply>? Responder { get; set; }

    public void Enqueue(Reply reply) => _script.Enqueue(_ => reply);

    public void Enqueue(Func<RecordedRequest, Reply> reply) => _script.Enqueue(reply);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? string.Empty,
            context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            await reader.ReadToEndAsync());
        _requests.Enqueue(request);
        RequestHold? held = null;
        foreach (RequestHold hold in Holds)
        {
            held = await hold.PassAsync(request.Method, request.Path) ? hold : held;
        }

        Func<RecordedRequest, Reply>? next = Responder;
        if (next is null && !_script.TryDequeue(out next))
        {
            Unscripted++;
            context.Response.StatusCode = 599;
            await context.Response.WriteAsync($"no scripted reply for {request.Method} {request.Path}");
            return;
        }

        Reply reply;
        try
        {
            reply = next(request);
        }
        finally
        {
            held?.MarkActedOn();
        }
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up, as the test wanted
            }
        }

        context.Response.StatusCode = reply.Status;
        foreach ((string name, string value) in reply.Headers)
        {
            context.Response.Headers.Append(name, value.Replace("{base}", BaseUri.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal));
        }

        if (reply.Body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(reply.Body);
        }
    }

    /// <summary>A throw-away self-signed certificate for 127.0.0.1, valid for an hour.</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }
}
