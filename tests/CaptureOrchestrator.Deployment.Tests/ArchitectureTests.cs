using System.Xml.Linq;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Deployment.Tests;

/// <summary>
/// The project graph is the architecture: Analysis ← Core ← {Azure, Engine, Activities} ← Api ←
/// {Server, Functions, Cli}. Every reference points inward, and a new one is a decision made here.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Each production project and the projects it may reference, no more, no fewer.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Analysis"] = [],
        ["Core"] = ["Analysis"],
        ["Azure"] = ["Core"],
        ["Engine"] = ["Core"],
        ["Activities"] = ["Analysis", "Azure", "Core"],
        ["Api"] = ["Activities"],
        ["Server"] = ["Api", "Engine"],
        ["Functions"] = ["Api"],

        // The CLI analyses captures offline and runs `serve`, the self-hosted server.
        ["Cli"] = ["Analysis", "Server"],
    };

    /// <summary>Rings from the inside out: a project references only projects of an inner ring.</summary>
    private static readonly Dictionary<string, int> Ring = new(StringComparer.Ordinal)
    {
        ["Analysis"] = 0,
        ["Core"] = 1,
        ["Azure"] = 2,
        ["Engine"] = 2,
        ["Activities"] = 3,
        ["Api"] = 4,
        ["Server"] = 5,
        ["Functions"] = 5,
        ["Cli"] = 6,
    };

    private static string Source => Path.Combine(RepositoryRoot.Path, "src");

    private static IEnumerable<string> Projects() =>
        Directory.GetDirectories(Source, "CaptureOrchestrator.*").Select(d => Path.GetFileName(d)["CaptureOrchestrator.".Length..]).Order(StringComparer.Ordinal);

    private static XDocument ProjectFile(string name) => XDocument.Load(Path.Combine(Source, $"CaptureOrchestrator.{name}", $"CaptureOrchestrator.{name}.csproj"));

    private static string[] References(string name) =>
        [.. ProjectFile(name).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/'))["CaptureOrchestrator.".Length..])
            .Order(StringComparer.Ordinal)];

    private static HashSet<string> Closure(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(References(name));
        while (pending.TryPop(out string? next))
        {
            if (seen.Add(next))
            {
                foreach (string reference in References(next))
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }

    [Fact]
    public void Every_production_project_is_in_the_architecture()
    {
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), Projects());
    }

    [Fact]
    public void Each_project_references_exactly_what_the_architecture_allows()
    {
        Assert.All(Projects(), name => Assert.Equal(Allowed[name].Order(StringComparer.Ordinal), References(name)));
    }

    [Fact]
    public void Every_reference_points_inward()
    {
        Assert.All(Projects(), name => Assert.All(References(name), reference =>
            Assert.True(Ring[reference] < Ring[name], $"{name} (ring {Ring[name]}) references {reference} (ring {Ring[reference]})")));
    }

    [Fact]
    public void The_functions_host_carries_neither_the_embedded_engine_nor_the_self_hosted_server()
    {
        HashSet<string> closure = Closure("Functions");
        Assert.DoesNotContain("Engine", closure);
        Assert.DoesNotContain("Server", closure);
        Assert.Contains("Api", closure);

        // Nor SQLite by any other road: no project the Functions app ships references a SQLite package.
        Assert.All(closure.Append("Functions"), name => Assert.DoesNotContain(
            ProjectFile(name).Descendants("PackageReference").Select(p => p.Attribute("Include")!.Value),
            package => package.Contains("sqlite", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void Production_assemblies_open_their_internals_only_to_test_assemblies()
    {
        Assert.All(Projects(), name => Assert.All(
            ProjectFile(name).Descendants("InternalsVisibleTo").Select(i => i.Attribute("Include")!.Value),
            friend => Assert.EndsWith(".Tests", friend, StringComparison.Ordinal)));
    }
}
