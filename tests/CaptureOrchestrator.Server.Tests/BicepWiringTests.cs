using System.Text.Json.Nodes;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// What `bicep build` and `bicep lint` (run by .github/workflows/ci.yml, where warnings fail the
/// build) would refuse in how infra-bicep's files fit together, checked here because no Bicep
/// compiler is reachable offline: module calls against the modules' parameters, outputs and target
/// scopes, unused parameters and variables, the parameters file, secrets in outputs, and hard-coded
/// cloud hosts. Resource types and properties are not checked here.
/// </summary>
public sealed class BicepWiringTests
{
    private static readonly string Infra = Path.Combine(Repository.Root, "infra-bicep");
    private static readonly BicepFile Main = BicepFile.Load(Path.Combine(Infra, "main.bicep"));
    private static readonly BicepFile[] All = Directory.GetFiles(Infra, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(BicepFile.Load).ToArray();

    [Fact]
    public void Every_module_call_passes_exactly_the_parameters_its_module_declares_without_a_default_and_no_others()
    {
        Assert.NotEmpty(Main.Modules);
        foreach (BicepModule call in Main.Modules)
        {
            BicepFile module = ModuleOf(call);
            string[] declared = module.Params.Select(p => p.Name).ToArray();
            Assert.All(call.Parameters, passed => Assert.True(declared.Contains(passed), $"module '{call.Name}' passes '{passed}', which {call.RelativePath} does not declare"));
            Assert.All(module.Params.Where(p => !p.HasDefault), required => Assert.True(call.Parameters.Contains(required.Name), $"module '{call.Name}' does not pass '{required.Name}', which {call.RelativePath} requires"));
        }
    }

    [Fact]
    public void Every_module_output_main_reads_is_declared_by_that_module()
    {
        (string Module, string Output)[] references = Main.OutputReferences().Distinct().ToArray();
        Assert.NotEmpty(references);
        foreach ((string module, string output) in references)
        {
            BicepModule call = Assert.Single(Main.Modules, m => m.Name == module);
            Assert.True(ModuleOf(call).Outputs.Any(o => o.Name == output), $"main.bicep reads {module}.outputs.{output}, which {call.RelativePath} does not declare");
        }
    }

    [Fact]
    public void A_module_called_on_a_resource_group_targets_one_and_a_module_called_without_a_scope_targets_mains_scope()
    {
        foreach (BicepModule call in Main.Modules)
        {
            string expected = call.HasScope ? "resourceGroup" : Main.TargetScope;
            Assert.True(expected == ModuleOf(call).TargetScope, $"module '{call.Name}' is deployed at {expected} scope but {call.RelativePath} targets {ModuleOf(call).TargetScope}");
        }
    }

    [Fact]
    public void Every_module_file_is_called_by_main()
    {
        string[] called = Main.Modules.Select(m => Path.GetFullPath(Path.Combine(Infra, m.RelativePath))).ToArray();
        Assert.All(All.Where(f => f.Path != Main.Path), file => Assert.True(called.Contains(file.Path), $"{Path.GetRelativePath(Infra, file.Path)} is not called by main.bicep"));
    }

    [Fact]
    public void Every_parameter_variable_and_function_is_used_no_unused_params_and_no_unused_vars()
    {
        foreach (BicepFile file in All)
        {
            foreach (string symbol in file.Params.Select(p => p.Name).Concat(file.Variables).Concat(file.Functions))
            {
                Assert.True(file.Uses(symbol) > 0, $"{Path.GetRelativePath(Infra, file.Path)} declares '{symbol}' and never uses it");
            }
        }
    }

    [Fact]
    public void The_parameters_file_sets_only_parameters_main_declares_and_every_one_without_a_default()
    {
        JsonObject values = JsonNode.Parse(File.ReadAllText(Path.Combine(Infra, "main.parameters.json")))!["parameters"]!.AsObject();
        string[] declared = Main.Params.Select(p => p.Name).ToArray();

        Assert.All(values.Select(v => v.Key), name => Assert.True(declared.Contains(name), $"main.parameters.json sets '{name}', which main.bicep does not declare"));
        Assert.All(Main.Params.Where(p => !p.HasDefault), p => Assert.True(values.ContainsKey(p.Name), $"main.parameters.json does not set '{p.Name}', which has no default"));
    }

    [Fact]
    public void No_output_carries_a_secure_parameter_or_a_list_function_outputs_should_not_contain_secrets()
    {
        foreach (BicepFile file in All)
        {
            string[] secure = file.Params.Where(p => p.IsSecure).Select(p => p.Name).ToArray();
            foreach (BicepOutput output in file.Outputs)
            {
                string? leaked = secure.FirstOrDefault(name => BicepFile.Parse(output.Value).Uses(name) > 0);
                Assert.True(leaked is null, $"{Path.GetRelativePath(Infra, file.Path)}: output '{output.Name}' is derived from the secure parameter '{leaked}'");
                Assert.DoesNotMatch(@"\blist\w*\(", output.Value);
            }
        }
    }

    [Fact]
    public void No_string_hard_codes_a_cloud_specific_host_no_hardcoded_env_urls()
    {
        // The rule's default list (Bicep's built-in bicepconfig.json): hosts that differ between clouds.
        string[] disallowed =
        [
            "api.loganalytics.io", "asazure.windows.net", "azuredatalakeanalytics.net", "azuredatalakestore.net",
            "batch.core.windows.net", "core.windows.net", "database.windows.net", "datalake.azure.net", "gallery.azure.com",
            "graph.windows.net", "login.microsoftonline.com", "management.azure.com", "management.core.windows.net",
            "region.asazure.windows.net", "trafficmanager.net", "vault.azure.net",
        ];
        foreach (BicepFile file in All)
        {
            foreach (string literal in file.Strings)
            {
                string? host = disallowed.FirstOrDefault(h => literal.Contains(h, StringComparison.OrdinalIgnoreCase) && !literal.Contains("schema.management.azure.com", StringComparison.OrdinalIgnoreCase));
                Assert.True(host is null, $"{Path.GetRelativePath(Infra, file.Path)} hard-codes {host} in '{literal}' (use environment() or a parameter)");
            }
        }
    }

    [Fact]
    public void The_reader_sees_through_comments_strings_and_keys()
    {
        BicepFile file = BicepFile.Parse("""
            // param commented string
            @secure()
            @description('a: {tricky} string')
            param secret string
            param region string = 'west'
            param unused int
            var prefix = 'x-${region}'
            module m 'modules/m.bicep' = [for (name, i) in names: {
              name: 'm-${i}'
              scope: resourceGroup(name)
              params: { location: region, 'quoted-key': prefix, nested: { inner: 1 } }
            }]
            output value string = empty(prefix) ? secret : m[0].outputs.id
            """);

        Assert.Equal(["secret", "region", "unused"], file.Params.Select(p => p.Name));
        Assert.Equal([true, false, false], file.Params.Select(p => p.IsSecure));
        Assert.Equal([false, true, false], file.Params.Select(p => p.HasDefault));
        Assert.Equal(2, file.Uses("region")); // in prefix's interpolation and as a value; not the key 'location'
        Assert.Equal(0, file.Uses("unused"));
        Assert.Equal(0, file.Uses("location"));
        Assert.Equal(1, file.Uses("secret"));
        BicepModule module = Assert.Single(file.Modules);
        Assert.Equal(("m", "modules/m.bicep", true), (module.Name, module.RelativePath, module.HasScope));
        Assert.Equal(["location", "quoted-key", "nested"], module.Parameters);
        Assert.Contains("a: {tricky} string", file.Strings);
        Assert.Equal("value", Assert.Single(file.Outputs).Name);
    }

    private static BicepFile ModuleOf(BicepModule call)
    {
        string path = Path.GetFullPath(Path.Combine(Infra, call.RelativePath));
        Assert.True(File.Exists(path), $"module '{call.Name}' calls {call.RelativePath}, which does not exist");
        return All.Single(f => f.Path == path);
    }
}
