using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CaptureOrchestrator.Server;

/// <summary>
/// Where the server listens, once it does (port 0 and wildcard hosts are only resolved then): the
/// address it calls itself at (plain HTTP when it has one, loopback for a wildcard host) and the
/// one it hands out (HTTPS when it has one — gateways upload only to https URLs).
/// </summary>
public sealed class ServerAddresses(Func<IEnumerable<string>> addresses)
{
    public static ServerAddresses Of(IServer server) =>
        new(() => server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);

    public Uri ForSelf() => Pick(Uri.UriSchemeHttp);

    public Uri ForOthers() => Pick(Uri.UriSchemeHttps);

    private Uri Pick(string preferredScheme)
    {
        Uri[] listening = [.. addresses().Select(Normalize)];
        return listening.FirstOrDefault(a => a.Scheme == preferredScheme) ?? listening.FirstOrDefault()
            ?? throw new InvalidOperationException("The server is not listening yet, so it has no address to give its local blob store.");
    }

    private static Uri Normalize(string address)
    {
        // Kestrel reports a wildcard binding as http://[::]:port or http://0.0.0.0:port.
        var uri = new UriBuilder(address.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]")
        {
            uri.Host = "127.0.0.1";
        }

        return uri.Uri;
    }
}
