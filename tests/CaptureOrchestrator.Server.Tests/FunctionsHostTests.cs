using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.AspNetCore.Builder;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// The Azure Functions host's packages are not restorable offline (the GitHub workflow builds it;
/// Functions.CompileCheck compiles it here against a mirror of the SDK members it calls), so what
/// it binds by name is checked from its source: one trigger per registered workflow and activity,
/// the same HTTP routes as the embedded server, and host.json.
/// </summary>
public sealed partial class FunctionsHostTests
{
    private static readonly string Root = Repository.Root;
    private static readonly string Triggers = Path.Combine(Root, "src", "CaptureOrchestrator.Functions", "Triggers");

    [Fact]
    public void Every_registered_workflow_and_activity_has_exactly_one_durable_trigger()
    {
        var registry = new WorkflowRegistry().AddCaptureOrchestrator(null!); // names only: no factory runs
        string[] registered = registry.WorkflowNames.Concat(registry.ActivityNames).Order(StringComparer.Ordinal).ToArray();

        string source = File.ReadAllText(Path.Combine(Triggers, "WorkflowTriggers.cs")) + File.ReadAllText(Path.Combine(Triggers, "ActivityTriggers.cs"));
        string[] triggered = ConstantFunctionName().Matches(source)
            .Select(m => Constant(m.Groups["type"].Value, m.Groups["field"].Value))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(registered, triggered);
    }

    [Fact]
    public async Task The_functions_host_exposes_the_same_http_routes_as_the_embedded_server()
    {
        await using WebApplication app = ServerHost.Build(["--urls", "http://127.0.0.1:0"]);
        string[] served = Repository.ServedRoutes(app);

        string prefix = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "host.json")))!["extensions"]!["http"]!["routePrefix"]!.GetValue<string>();
        string[] triggered = HttpRoute().Matches(File.ReadAllText(Path.Combine(Triggers, "HttpApiTriggers.cs")))
            .Select(m => $"{m.Groups["method"].Value.ToUpperInvariant()} /{prefix}/{m.Groups["route"].Value}")
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(served, triggered);
    }

    [Fact]
    public void Host_json_names_the_task_hub_from_an_app_setting_and_keeps_extended_sessions_off()
    {
        JsonNode durable = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "host.json")))!["extensions"]!["durableTask"]!;

        Assert.Equal("%CaptureOrchestrator__TaskHub%", durable["hubName"]!.GetValue<string>());
        Assert.False(durable["extendedSessionsEnabled"]!.GetValue<bool>());
    }

    private static string Constant(string typeName, string field)
    {
        Type type = typeof(WorkflowRegistry).Assembly.GetTypes().Single(t => t.Name == typeName);
        return (string)type.GetField(field, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
    }

    [GeneratedRegex(@"\[Function\((?<type>\w+)\.(?<field>\w+)\)\]")]
    private static partial Regex ConstantFunctionName();

    [GeneratedRegex(@"\[HttpTrigger\(AuthorizationLevel\.\w+, ""(?<method>\w+)"", Route = ""(?<route>[^""]+)""\)\]")]
    private static partial Regex HttpRoute();
}
