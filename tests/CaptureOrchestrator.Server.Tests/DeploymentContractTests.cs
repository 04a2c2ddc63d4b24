using System.Reflection;
using System.Text.RegularExpressions;
using CaptureOrchestrator.Azure.ResourceManager;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// What infra-bicep promises matches the code (Bicep cannot be compiled here; the GitHub workflow
/// builds and lints it): the custom roles hold exactly the actions the clients' ARM requests need,
/// and every app setting main.bicep sets is one the code reads, each documented.
/// </summary>
public sealed partial class DeploymentContractTests
{
    private static readonly string Root = Repository.Root;

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
    public void The_custom_roles_hold_exactly_the_actions_the_clients_need_split_by_scope()
    {
        string bicep = File.ReadAllText(Path.Combine(Root, "infra-bicep", "modules", "role-definition.bicep"));

        string[] subscriptionLevel = Needed(subscriptionLevel: true);
        string[] resourceLevel = Needed(subscriptionLevel: false).Concat(ArmOperations.ImpliedActions.Select(a => a.Action)).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToArray();

        Assert.Equal(resourceLevel, RoleActions(bicep, "resourceRole"), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(subscriptionLevel, RoleActions(bicep, "subscriptionRole"), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Every_role_action_is_explained_in_the_permissions_document()
    {
        string document = File.ReadAllText(Path.Combine(Root, "docs", "permissions.md"));
        string bicep = File.ReadAllText(Path.Combine(Root, "infra-bicep", "modules", "role-definition.bicep"));

        foreach (string action in RoleActions(bicep, "resourceRole").Concat(RoleActions(bicep, "subscriptionRole")))
        {
            string last = action.Split('/')[^2] + "/" + action.Split('/')[^1];
            Assert.True(document.Contains(action, StringComparison.OrdinalIgnoreCase) || document.Contains("…/" + last, StringComparison.OrdinalIgnoreCase) || document.Contains("/" + action.Split('/')[^1] + "`", StringComparison.OrdinalIgnoreCase),
                $"docs/permissions.md does not explain {action}");
        }
    }

    [Fact]
    public void Main_bicep_sets_only_settings_the_code_reads_and_every_setting_is_set_or_explained()
    {
        string bicep = File.ReadAllText(Path.Combine(Root, "infra-bicep", "main.bicep"));
        string document = File.ReadAllText(Path.Combine(Root, "docs", "configuration.md"));
        string[] read = SettingNames(typeof(ServerSettings), string.Empty).ToArray();
        string[] set = BicepSetting().Matches(bicep)
            .Select(m => Regex.Replace(m.Groups["name"].Value, @"\$\{[^}]+\}$", "N"))
            .Distinct()
            .ToArray();
        string[] bindingOnly = ["TaskHub", "BlobCreatedQueue"];

        Assert.All(set.Where(s => !bindingOnly.Contains(s)), s => Assert.Contains(s, read));
        string notSetSection = document[document.IndexOf("## Not set on Azure", StringComparison.Ordinal)..];
        Assert.All(read, name => Assert.True(
            set.Contains(name) || notSetSection.Contains("`" + name + "`", StringComparison.Ordinal),
            $"{name} is neither set by main.bicep nor listed under 'Not set on Azure' in docs/configuration.md"));
        Assert.All(read, name => Assert.Contains("`" + name + "`", document));
    }

    private static string[] Needed(bool subscriptionLevel) =>
        ArmOperations.All
            .Where(o => o.PathTemplate.StartsWith("/subscriptions/{}/providers/", StringComparison.Ordinal) == subscriptionLevel)
            .SelectMany(o => o.RbacActions)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToArray();

    private static string[] RoleActions(string bicep, string symbol)
    {
        int start = bicep.IndexOf("resource " + symbol + " ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"role-definition.bicep has no resource '{symbol}'");
        int actions = bicep.IndexOf("actions: [", start, StringComparison.Ordinal);
        int end = bicep.IndexOf(']', actions);
        return Regex.Matches(bicep[actions..end], "'([^']+)'").Select(m => m.Groups[1].Value).Order(StringComparer.OrdinalIgnoreCase).ToArray();
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

    [GeneratedRegex(@"name: '(?:CaptureOrchestrator__)(?<name>[A-Za-z_]+(?:\$\{[^}]+\})?)'")]
    private static partial Regex BicepSetting();
}
