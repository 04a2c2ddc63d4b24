using System.Text;
using CaptureOrchestrator.Core.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>The self-hosted server in the test process, and requests signed as a ticket system signs them.</summary>
internal static class InProcessServer
{
    /// <summary>Starts the server on a free loopback port with these settings; it and a client of its plain-HTTP address.</summary>
    public static async Task<(WebApplication App, HttpClient Http)> StartAsync(IReadOnlyDictionary<string, string?> settings, bool sandbox = false)
    {
        WebApplication app = ServerHost.Build(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(settings), sandbox);
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = AddressOf(app), Timeout = TimeSpan.FromSeconds(60) });
    }

    /// <summary>Where a started web application listens over plain HTTP.</summary>
    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http:", StringComparison.Ordinal)));

    /// <summary>A JSON request carrying the signature (method, path and query, body) under <paramref name="key"/>; null: unsigned.</summary>
    public static HttpRequestMessage Signed(HttpMethod method, string path, byte[] body, string? key, DateTimeOffset? at = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (key is not null)
        {
            request.Headers.Add(HmacSignature.HeaderName, HmacSignature.Create(Encoding.UTF8.GetBytes(key), method.Method, path, body, at ?? DateTimeOffset.UtcNow));
        }

        return request;
    }
}
