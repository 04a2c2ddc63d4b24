using System.Text.RegularExpressions;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Tests.ResourceManager;

public sealed partial class ArmResourceIdTests
{
    private const string Subscription = "00000000-0000-0000-0000-000000000000";
    private const string Vm = $"/subscriptions/{Subscription}/resourceGroups/rg2/providers/Microsoft.Compute/virtualMachines/vm1";
    private const string PacketCapture = $"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Network/networkWatchers/nw1/packetCaptures/pc1";
    private const string DiagnosticSetting = $"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/fw1/providers/microsoft.insights/diagnosticSettings/flowtrace";

    [Fact]
    public void A_top_level_resource_exposes_its_parts()
    {
        ArmResourceId id = ArmResourceId.Parse(Vm);

        Assert.Equal(Guid.Empty, id.SubscriptionId);
        Assert.Equal("rg2", id.ResourceGroupName);
        Assert.Equal("Microsoft.Compute", id.ProviderNamespace);
        Assert.Equal("Microsoft.Compute/virtualMachines", id.ResourceType);
        Assert.Equal("vm1", id.Name);
        Assert.Null(id.Parent);
        Assert.Null(id.ExtendedResource);
        Assert.Equal(Vm, id.ToString());
    }

    [Fact]
    public void A_child_resource_knows_its_parent_and_full_type()
    {
        ArmResourceId id = ArmResourceId.Parse(PacketCapture);

        Assert.Equal("Microsoft.Network/networkWatchers/packetCaptures", id.ResourceType);
        Assert.Equal("pc1", id.Name);
        Assert.Equal("nw1", id.Parent!.Name);
        Assert.Equal("Microsoft.Network/networkWatchers", id.Parent.ResourceType);
        Assert.Equal(id, id.Parent.Child("packetCaptures", "pc1"));
    }

    [Fact]
    public void An_extension_resource_names_the_resource_it_extends()
    {
        ArmResourceId id = ArmResourceId.Parse(DiagnosticSetting);

        Assert.Equal("microsoft.insights/diagnosticSettings", id.ResourceType);
        Assert.Equal("flowtrace", id.Name);
        Assert.Equal("Microsoft.Network/azureFirewalls", id.ExtendedResource!.ResourceType);
        Assert.Equal("fw1", id.ExtendedResource.Name);
        Assert.Equal(DiagnosticSetting, id.ToString());
    }

    [Fact]
    public void Ids_compare_case_insensitively_as_ARM_does()
    {
        ArmResourceId upper = ArmResourceId.Parse(Vm.ToUpperInvariant().Replace("00000000-0000-0000-0000-000000000000", Subscription, StringComparison.Ordinal));
        ArmResourceId lower = ArmResourceId.Parse(Vm.Replace("resourceGroups", "resourcegroups", StringComparison.Ordinal));

        Assert.Equal(upper, lower);
        Assert.Equal(upper.GetHashCode(), lower.GetHashCode());
        Assert.True(lower.IsOfType("microsoft.compute/VIRTUALMACHINES"));
    }

    [Fact]
    public void Parse_of_type_refuses_another_type_and_names_both()
    {
        var error = Assert.Throws<FormatException>(() => ArmResourceId.ParseOfType(PacketCapture, "Microsoft.Compute/virtualMachines"));

        Assert.Contains("Microsoft.Network/networkWatchers/packetCaptures", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected a Microsoft.Compute/virtualMachines", error.Message, StringComparison.Ordinal);
        Assert.Equal("vm1", ArmResourceId.ParseOfType(Vm, "Microsoft.Compute/virtualMachines").Name);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("subscriptions/x", "must start with '/subscriptions/'")]
    [InlineData("/subscriptions/subid/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", "subscription id 'subid' is not a GUID")]
    [InlineData($"/subscriptions/{Subscription}", "'/resourceGroups/{name}'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1", "names a resource group, not a resource")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/virtualMachines/vm1", "not 'virtualMachines'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines", "must have '/providers/{namespace}' followed by a type and a name")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Network/networkWatchers/nw1/packetCaptures", "ends with the type 'packetCaptures' but no name")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1/", "empty segment")]
    [InlineData($"/subscriptions/{Subscription}//resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1", "empty segment at position 3")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg 1/providers/Microsoft.Compute/virtualMachines/vm1", "resource group name 'rg 1' contains 'U+0020'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg./providers/Microsoft.Compute/virtualMachines/vm1", "must not end with '.'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft/virtualMachines/vm1", "provider namespace 'Microsoft' is not of the form")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtual-Machines/vm1", "resource type 'virtual-Machines'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1?api-version=1", "virtualMachines name 'vm1?api-version=1' contains '?'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm'|take 1", "contains '''")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm%2F..", "contains '%'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm\n1", "contains 'U+000A'")]
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm\u202Egpj.exe", "contains 'U+202E'")] // right-to-left override
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/r\u200Bg1/providers/Microsoft.Compute/virtualMachines/vm1", "contains 'U+200B'")] // zero-width space
    [InlineData($"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/\uFEFFvm1", "contains 'U+FEFF'")] // byte order mark
    public void Malformed_ids_are_refused_with_a_message_naming_the_part(string value, string expected)
    {
        Assert.False(ArmResourceId.TryParse(value, out ArmResourceId? id, out string? error));
        Assert.Null(id);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(expected, Assert.Throws<FormatException>(() => ArmResourceId.Parse(value)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_parts_are_refused_and_the_message_stays_short()
    {
        string longName = new('a', 300);
        string value = $"/subscriptions/{Subscription}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/{longName}";

        Assert.False(ArmResourceId.TryParse(value, out _, out string? error));
        Assert.Contains("300 characters long; at most 260", error, StringComparison.Ordinal);
        Assert.True(error.Length < 600, "the message quotes a shortened id");

        Assert.False(ArmResourceId.TryParse(new string('/', 5000), out _, out error));
        Assert.Contains("at most 4096", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_url_path_percent_encodes_names()
    {
        ArmResourceId id = ArmResourceId.Parse($"/subscriptions/{Subscription}/resourceGroups/rg(prod)/providers/Microsoft.Compute/virtualMachines/vm1");

        Assert.Equal($"/subscriptions/{Subscription}/resourceGroups/rg%28prod%29/providers/Microsoft.Compute/virtualMachines/vm1", id.ToUrlPath());
    }

    [Fact]
    public void Child_refuses_a_name_that_would_change_the_url()
    {
        ArmResourceId watcher = ArmResourceId.Parse(PacketCapture).Parent!;

        Assert.Contains("contains '/'", Assert.Throws<ArgumentException>(() => watcher.Child("packetCaptures", "pc1/../../x")).Message, StringComparison.Ordinal);
        Assert.Contains("resource type", Assert.Throws<ArgumentException>(() => watcher.Child("packet/Captures", "pc1")).Message, StringComparison.Ordinal);
    }

    [RestExamplesFact]
    public void Every_resource_id_in_the_official_examples_parses_and_round_trips()
    {
        int parsed = 0;
        foreach (string file in Directory.EnumerateFiles(RestExamples.Directory, "*.json"))
        {
            foreach (Match match in ResourceIdInJson().Matches(File.ReadAllText(file)))
            {
                string value = match.Groups[1].Value;
                if (value.Contains("/subscriptions/subid/", StringComparison.Ordinal))
                {
                    continue; // a placeholder, not a subscription id: refused on purpose (see the malformed cases)
                }

                Assert.True(ArmResourceId.TryParse(value, out ArmResourceId? id, out string? error), $"{Path.GetFileName(file)}: {error}");
                Assert.Equal(value, id.ToString(), ignoreCase: true); // keywords are rendered in their canonical case
                Assert.Equal(id, ArmResourceId.Parse(id.ToString()));
                parsed++;
            }
        }

        Assert.True(parsed >= 15, $"only {parsed} resource ids found in the examples");
    }

    [GeneratedRegex("\"(/subscriptions/[^\"?]+/providers/[^\"?]+)\"")]
    private static partial Regex ResourceIdInJson();
}
