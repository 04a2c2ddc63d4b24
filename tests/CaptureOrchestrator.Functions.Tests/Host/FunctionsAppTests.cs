using System.Reflection;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Server;
using CaptureOrchestrator.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaptureOrchestrator.Functions.Tests.Host;

/// <summary>
/// The Functions app as its build produced it: the host's composition (Program.cs) resolves every
/// function class, and the generated function metadata binds every workflow and activity by name and
/// exposes the HTTP API of docs/openapi.json, route for route, as the self-hosted server does.
/// </summary>
public sealed class FunctionsAppTests
{
    /// <summary>The settings an Azure deployment gives the app (main.bicep), minus secrets from Key Vault.</summary>
    internal static string[] AzureLikeArguments(params string[] more) =>
    [
        "--environment", "Development", // validates every registration when the host is built
        "--CaptureOrchestrator:Api:SigningKey=test-signing-key-0123456789abcdef",
        "--CaptureOrchestrator:Storage:BlobEndpoint=https://stcocap.blob.core.windows.net/",
        "--CaptureOrchestrator:Storage:CaptureAccountResourceId=/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-co/providers/Microsoft.Storage/storageAccounts/stcocap",
        "--CaptureOrchestrator:Limits:AllowedScopes:0=/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/app",
        "--CaptureOrchestrator:DataFolder=" + Path.Combine(Path.GetTempPath(), "co-functions-tests"),
        .. more,
    ];

    private static Type[] FunctionClasses { get; } = typeof(FunctionsHost).Assembly.GetTypes()
        .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
        .ToArray();

    [Fact]
    public void The_hosts_composition_builds_and_resolves_every_function_class_and_what_it_uses()
    {
        using IHost host = FunctionsHost.CreateBuilder(AzureLikeArguments()).Build();

        Assert.NotEmpty(FunctionClasses);
        foreach (Type type in FunctionClasses.Where(t => !t.IsAbstract)) // static classes are abstract: nothing to create
        {
            // The worker creates a function class per invocation the same way (DefaultFunctionActivator).
            object instance = ActivatorUtilities.CreateInstance(host.Services, type);
            Assert.NotNull(instance);
        }

        Assert.NotNull(host.Services.GetRequiredService<CaptureServices>().Blobs);
        Assert.NotNull(host.Services.GetRequiredService<ActivityHost>());
    }

    [Fact]
    public void Every_function_in_the_metadata_is_a_method_of_the_app_and_every_function_method_is_in_the_metadata()
    {
        string[] methods = FunctionClasses
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}")
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(methods, FunctionsMetadata.All.Select(f => f.EntryPoint).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_registered_workflow_and_activity_has_exactly_one_durable_trigger_of_its_name()
    {
        WorkflowRegistry registry = new WorkflowRegistry().AddCaptureOrchestrator(null!); // names only: no factory runs

        Assert.Equal(registry.WorkflowNames.Order(StringComparer.Ordinal), FunctionsMetadata.All.Where(f => f.TriggerType == "orchestrationTrigger").Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(registry.ActivityNames.Order(StringComparer.Ordinal), FunctionsMetadata.All.Where(f => f.TriggerType == "activityTrigger").Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_http_triggers_expose_the_routes_of_docs_openapi_json_and_of_the_self_hosted_server()
    {
        string prefix = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!["extensions"]!["http"]!["routePrefix"]!.GetValue<string>();
        string[] triggered = FunctionsMetadata.All
            .Where(f => f.TriggerType == "httpTrigger")
            .SelectMany(f => f.Methods.Select(m => $"{m} /{prefix}/{f.Route}"))
            .Order(StringComparer.Ordinal)
            .ToArray();

        JsonObject paths = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "openapi.json")))!["paths"]!.AsObject();
        string[] documented = paths
            .SelectMany(p => p.Value!.AsObject().Select(method => $"{method.Key.ToUpperInvariant()} {p.Key}"))
            .Order(StringComparer.Ordinal)
            .ToArray();
        await using WebApplication server = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--CaptureOrchestrator:DataFolder=" + Path.Combine(Path.GetTempPath(), "co-functions-tests-server")]);

        Assert.Equal(documented, triggered);
        Assert.Equal(EndpointRoutes.Of(server), triggered);
    }

    [Fact]
    public void Only_health_and_the_event_grid_webhook_are_open_every_other_route_needs_the_function_key()
    {
        FunctionEntry[] http = FunctionsMetadata.All.Where(f => f.TriggerType == "httpTrigger").ToArray();

        Assert.Equal(["events/blobcreated", "health"], http.Where(f => f.AuthLevel == "Anonymous").Select(f => f.Route).Order(StringComparer.Ordinal));
        Assert.All(http.Where(f => f.AuthLevel != "Anonymous"), f => Assert.Equal("Function", f.AuthLevel));
    }

    [Fact]
    public void The_timer_and_queue_triggers_read_their_schedule_and_queue_from_app_settings()
    {
        FunctionEntry timer = Assert.Single(FunctionsMetadata.All, f => f.TriggerType == "timerTrigger");
        FunctionEntry queue = Assert.Single(FunctionsMetadata.All, f => f.TriggerType == "queueTrigger");

        Assert.Equal("%CaptureOrchestrator__Sweeper__Schedule%", timer.Trigger["schedule"]!.GetValue<string>());
        Assert.Equal("%CaptureOrchestrator__BlobCreatedQueue%", queue.Trigger["queueName"]!.GetValue<string>());
        Assert.Equal("CaptureQueue", queue.Trigger["connection"]!.GetValue<string>());
    }

    [Fact]
    public void Host_json_names_the_task_hub_from_an_app_setting_and_keeps_extended_sessions_off()
    {
        JsonNode durable = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!["extensions"]!["durableTask"]!;

        Assert.Equal("%CaptureOrchestrator__TaskHub%", durable["hubName"]!.GetValue<string>());
        Assert.False(durable["extendedSessionsEnabled"]!.GetValue<bool>());
    }
}
