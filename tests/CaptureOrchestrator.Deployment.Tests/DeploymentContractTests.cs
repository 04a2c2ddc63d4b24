using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Deployment.Tests;

/// <summary>
/// What the compiled templates promise matches the code: the custom roles hold exactly the actions
/// the clients' ARM requests need, every app setting is one the code reads (each documented), no
/// output carries a secret, every module is deployed, and the parameters file fits main.
/// </summary>
public sealed partial class DeploymentContractTests
{
    private static readonly string Root = RepositoryRoot.Path;

    [Theory]
    [InlineData("PUT", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/networkWatchers/{}/packetCaptures/{}", "Microsoft.Network/networkWatchers/packetCaptures/write")]
    [InlineData("POST", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/networkWatchers/{}/packetCaptures/{}/queryStatus", "Microsoft.Network/networkWatchers/packetCaptures/queryStatus/action")]
    [InlineData("GET", "/subscriptions/{}/providers/Microsoft.Network/networkWatchers", "Microsoft.Network/networkWatchers/read")]
    [InlineData("DELETE", "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/azureFirewalls/{}/providers/Microsoft.Insights/diagnosticSettings/{}", "Microsoft.Insights/diagnosticSettings/delete")]
    [InlineData("POST", "/subscriptions/{}/providers/Microsoft.Features/providers/Microsoft.Network/features/{}/register", "Microsoft.Features/providers/features/register/action")]
    [InlineData("POST", "/subscriptions/{}/providers/Microsoft.Network/register", "Microsoft.Network/register/action")]
    public void A_request_maps_to_the_rbac_action_arm_checks(string method, string path, string action) =>
        Assert.Equal(action, ArmOperations.ActionFor(method, path));

    /// <summary>The fake ARM of the end-to-end tests refuses requests the table does not list; this is how it finds them.</summary>
    [Theory]
    [InlineData("PUT", "/subscriptions/1/resourceGroups/app/providers/Microsoft.Network/networkWatchers/nw/packetCaptures/co-op-1-0", "start a VM or scale-set capture")]
    [InlineData("post", "/subscriptions/1/resourceGroups/APP/providers/microsoft.network/virtualNetworkGateways/gw/stopPacketCapture", "stop it (uploads the file)")]
    [InlineData("GET", "/subscriptions/1/resourceGroups/app/providers/Microsoft.Network/networkWatchers/nw/packetCaptures", "the sweeper lists sessions named co-*")]
    [InlineData("DELETE", "/subscriptions/1/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1", null)]
    [InlineData("GET", "/subscriptions/1/resourceGroups/app/providers/Microsoft.Network/networkWatchers/nw/packetCaptures/a/b", null)]
    [InlineData("GET", "/subscriptions/1/resourceGroups/app/providers/Microsoft.Network/networkWatchers//packetCaptures/a", null)]
    public void A_concrete_request_finds_its_row_in_the_operation_table(string method, string path, string? why) =>
        Assert.Equal(why, ArmOperations.Find(method, path)?.Why);

    [Fact]
    public async Task The_custom_roles_hold_exactly_the_actions_the_clients_need_split_by_scope()
    {
        JsonObject main = (await CompiledInfra.GetAsync()).Main;

        string[] subscriptionLevel = Needed(subscriptionLevel: true);
        string[] resourceLevel = Needed(subscriptionLevel: false).Concat(ArmOperations.ImpliedActions.Select(a => a.Action)).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToArray();

        Assert.Equal(resourceLevel, RoleActions(main, "capture-orchestrator-resources"), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(subscriptionLevel, RoleActions(main, "capture-orchestrator-subscription"), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Every_role_action_is_explained_in_the_permissions_document()
    {
        JsonObject main = (await CompiledInfra.GetAsync()).Main;
        string document = File.ReadAllText(Path.Combine(Root, "docs", "permissions.md"));

        foreach (string action in RoleActions(main, "capture-orchestrator-resources").Concat(RoleActions(main, "capture-orchestrator-subscription")))
        {
            string last = action.Split('/')[^2] + "/" + action.Split('/')[^1];
            Assert.True(document.Contains(action, StringComparison.OrdinalIgnoreCase) || document.Contains("…/" + last, StringComparison.OrdinalIgnoreCase) || document.Contains("/" + action.Split('/')[^1] + "`", StringComparison.OrdinalIgnoreCase),
                $"docs/permissions.md does not explain {action}");
        }
    }

    [Fact]
    public async Task The_app_sets_only_settings_the_code_reads_and_every_setting_is_set_or_explained()
    {
        JsonObject main = (await CompiledInfra.GetAsync()).Main;
        string document = File.ReadAllText(Path.Combine(Root, "docs", "configuration.md"));
        string[] read = SettingNames(typeof(ServerSettings), string.Empty).ToArray();

        // The settings main passes to the function-app module (an ARM expression) and the list settings its copy loops make.
        JsonObject app = ArmTemplate.Resources(main).Single(r => r["properties"]?["template"] is not null && r["properties"]!["parameters"]?["appSettings"] is not null);
        string expressions = string.Join('\n', ArmTemplate.Strings(app["properties"]!["parameters"]!["appSettings"]!).Concat(ArmTemplate.Strings(main["variables"]!)));
        string[] set = AppSetting().Matches(expressions)
            .Select(m => m.Groups["name"].Value + (m.Groups["list"].Success ? "__N" : string.Empty))
            .Distinct()
            .ToArray();
        string[] bindingOnly = ["TaskHub", "BlobCreatedQueue"];

        Assert.Contains("Limits__AllowedScopes__N", set);
        Assert.All(set.Where(s => !bindingOnly.Contains(s)), s => Assert.Contains(s, read));
        string notSetSection = document[document.IndexOf("## Not set on Azure", StringComparison.Ordinal)..];
        Assert.All(read, name => Assert.True(
            set.Contains(name) || notSetSection.Contains("`" + name + "`", StringComparison.Ordinal),
            $"{name} is neither set by main.bicep nor listed under 'Not set on Azure' in docs/configuration.md"));
        Assert.All(read, name => Assert.Contains("`" + name + "`", document, StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_output_of_any_template_carries_a_secure_parameter_or_a_list_function()
    {
        JsonObject main = (await CompiledInfra.GetAsync()).Main;

        foreach ((string module, JsonObject template) in ArmTemplate.WithModules(main))
        {
            string[] secure = (template["parameters"]?.AsObject() ?? [])
                .Where(p => p.Value!["type"]!.GetValue<string>() is "securestring" or "secureObject")
                .Select(p => p.Key)
                .ToArray();
            foreach ((string name, JsonNode? output) in template["outputs"]?.AsObject() ?? [])
            {
                string value = string.Join('\n', ArmTemplate.Strings(output!));
                string? leaked = secure.FirstOrDefault(p => value.Contains($"parameters('{p}')", StringComparison.OrdinalIgnoreCase));
                Assert.True(leaked is null, $"{module}: output '{name}' is derived from the secure parameter '{leaked}'");
                Assert.False(ListFunction().IsMatch(value), $"{module}: output '{name}' calls a list function: {value}");
            }
        }
    }

    [Fact]
    public async Task Every_module_file_is_deployed_by_main()
    {
        CompiledInfra infra = await CompiledInfra.GetAsync();
        string[] deployed = ArmTemplate.WithModules(infra.Main).Skip(1).Select(m => ArmTemplate.TemplateHash(m.Template)).ToArray();

        foreach (string module in Directory.GetFiles(Path.Combine(CompiledInfra.Source, "modules"), "*.bicep"))
        {
            string compiled = Path.Combine("modules", Path.GetFileNameWithoutExtension(module) + ".json");
            Assert.True(deployed.Contains(ArmTemplate.TemplateHash(infra.Read(compiled))), $"modules/{Path.GetFileName(module)} is not deployed by main.bicep");
        }
    }

    [Fact]
    public async Task The_parameters_file_sets_only_parameters_main_declares_and_every_one_without_a_default()
    {
        JsonObject declared = (await CompiledInfra.GetAsync()).Main["parameters"]!.AsObject();
        JsonObject values = JsonNode.Parse(File.ReadAllText(Path.Combine(CompiledInfra.Source, "main.parameters.json")))!["parameters"]!.AsObject();

        Assert.All(values.Select(v => v.Key), name => Assert.True(declared.ContainsKey(name), $"main.parameters.json sets '{name}', which main.bicep does not declare"));
        Assert.All(declared.Where(p => p.Value!["defaultValue"] is null && p.Value["nullable"] is null), p => Assert.True(values.ContainsKey(p.Key), $"main.parameters.json does not set '{p.Key}', which has no default"));
    }

    private static string[] Needed(bool subscriptionLevel) =>
        ArmOperations.All
            .Where(o => o.PathTemplate.StartsWith("/subscriptions/{}/providers/", StringComparison.Ordinal) == subscriptionLevel)
            .SelectMany(o => o.RbacActions)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToArray();

    /// <summary>The actions of the role definition whose name is seeded with <paramref name="seed"/> (guid(subscription().id, environmentName, seed)).</summary>
    private static string[] RoleActions(JsonObject main, string seed)
    {
        JsonObject role = ArmTemplate.WithModules(main)
            .SelectMany(m => ArmTemplate.Resources(m.Template))
            .Single(r => r["type"]!.GetValue<string>() == "Microsoft.Authorization/roleDefinitions" && r["name"]!.GetValue<string>().Contains($"'{seed}'", StringComparison.Ordinal));
        JsonArray permissions = role["properties"]!["permissions"]!.AsArray();
        return Assert.Single(permissions)!["actions"]!.AsArray().Select(a => a!.GetValue<string>()).Order(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>"Api__SigningKey" style names of every leaf setting; lists end in "__N".</summary>
    private static IEnumerable<string> SettingNames(Type type, string prefix)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            Type t = property.PropertyType;
            string name = prefix + property.Name;
            if (t.IsClass && t != typeof(string) && t != typeof(Uri) && !t.IsGenericType)
            {
                foreach (string nested in SettingNames(t, name + "__"))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) ? name + "__N" : name;
            }
        }
    }

    // 'CaptureOrchestrator__Api__SigningKey' in createObject('name', ...), 'CaptureOrchestrator__Limits__AllowedScopes__{0}' in a copy loop's format().
    [GeneratedRegex(@"'CaptureOrchestrator__(?<name>[A-Za-z_]+?)(?<list>__\{0\})?'")]
    private static partial Regex AppSetting();

    [GeneratedRegex(@"\blist\w*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();
}
