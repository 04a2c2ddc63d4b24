using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>Files of the repository the tests check against, and the routes the embedded server maps.</summary>
internal static class Repository
{
    public static string Root => TestSupport.RepositoryRoot.Path;

    /// <summary>"METHOD /api/route" for every endpoint the embedded server maps, sorted.</summary>
    public static string[] ServedRoutes(WebApplication app) =>
        ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
