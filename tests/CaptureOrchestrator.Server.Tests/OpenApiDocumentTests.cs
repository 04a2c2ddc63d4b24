using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>docs/openapi.json describes exactly the routes the server exposes.</summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task The_openapi_document_lists_every_route_and_method_the_server_maps_and_no_others()
    {
        await using WebApplication app = ServerHost.Build(["--urls", "http://127.0.0.1:0"]);
        string[] served = Repository.ServedRoutes(app);

        JsonObject paths = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "openapi.json")))!["paths"]!.AsObject();
        string[] documented = paths
            .SelectMany(p => p.Value!.AsObject().Select(method => $"{method.Key.ToUpperInvariant()} {p.Key}"))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(documented, served);
    }
}
