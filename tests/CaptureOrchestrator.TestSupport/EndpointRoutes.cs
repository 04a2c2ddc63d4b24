using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.TestSupport;

/// <summary>The routes an ASP.NET Core app maps.</summary>
public static class EndpointRoutes
{
    /// <summary>"METHOD /api/route" for every endpoint <paramref name="app"/> maps, sorted.</summary>
    public static string[] Of(WebApplication app) =>
        ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
