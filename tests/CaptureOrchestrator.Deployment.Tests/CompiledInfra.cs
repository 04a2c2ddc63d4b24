using System.Text.Json.Nodes;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Deployment.Tests;

/// <summary>
/// Every file under infra-bicep built and linted once per test run, and the ARM JSON the build wrote:
/// what Azure Resource Manager receives, so the tests read that instead of the Bicep source.
/// </summary>
public sealed class CompiledInfra
{
    private static readonly Lazy<Task<CompiledInfra>> Once = new(CompileAsync);

    private CompiledInfra(BicepRun build, BicepRun lint, string output)
    {
        Build = build;
        Lint = lint;
        Output = output;
    }

    public static string Source { get; } = Path.Combine(RepositoryRoot.Path, "infra-bicep");

    public BicepRun Build { get; }

    public BicepRun Lint { get; }

    /// <summary>Where the build wrote main.json and modules/*.json.</summary>
    public string Output { get; }

    public JsonObject Main => Read("main.json");

    public static Task<CompiledInfra> GetAsync() => Once.Value;

    public JsonObject Read(string relativePath)
    {
        string path = Path.Combine(Output, relativePath);
        Assert.True(File.Exists(path), $"the build wrote no {relativePath}:\n{Build.Output}");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    private static async Task<CompiledInfra> CompileAsync()
    {
        string output = Path.Combine(AppContext.BaseDirectory, "bicep-out");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        Directory.CreateDirectory(output);
        const string pattern = "infra-bicep/**/*.bicep";
        Task<BicepRun> build = BicepCli.RunAsync(RepositoryRoot.Path, "build", "--pattern", pattern, "--outdir", output);
        Task<BicepRun> lint = BicepCli.RunAsync(RepositoryRoot.Path, "lint", "--pattern", pattern);
        return new CompiledInfra(await build, await lint, output);
    }
}
