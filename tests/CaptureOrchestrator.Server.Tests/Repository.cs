using Microsoft.AspNetCore.Builder;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>Files of the repository the tests check against, and the routes the embedded server maps.</summary>
internal static class Repository
{
    public static string Root => TestSupport.RepositoryRoot.Path;

    /// <summary>"METHOD /api/route" for every endpoint the embedded server maps, sorted.</summary>
    public static string[] ServedRoutes(WebApplication app) => TestSupport.EndpointRoutes.Of(app);
}
