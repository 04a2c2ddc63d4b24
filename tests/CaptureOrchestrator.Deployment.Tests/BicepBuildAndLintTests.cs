using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Deployment.Tests;

/// <summary>
/// Every Bicep file builds and lints with nothing to say: an error, a warning or an informational
/// diagnostic fails the run (lint itself exits 0 on warnings, so the output is what is checked).
/// </summary>
public sealed class BicepBuildAndLintTests
{
    [Fact]
    public async Task Every_file_builds_without_a_diagnostic()
    {
        CompiledInfra infra = await CompiledInfra.GetAsync();

        Assert.True(infra.Build.ExitCode == 0 && infra.Build.Diagnostics.Length == 0, "bicep build:\n" + infra.Build.Output);
        string[] sources = Directory.GetFiles(CompiledInfra.Source, "*.bicep", SearchOption.AllDirectories);
        Assert.All(sources, source => Assert.True(
            File.Exists(Path.ChangeExtension(Path.Combine(infra.Output, Path.GetRelativePath(CompiledInfra.Source, source)), ".json")),
            $"no ARM template was written for {Path.GetRelativePath(RepositoryRoot.Path, source)}"));
    }

    [Fact]
    public async Task Every_file_lints_without_a_diagnostic()
    {
        CompiledInfra infra = await CompiledInfra.GetAsync();

        Assert.True(infra.Lint.ExitCode == 0 && infra.Lint.Diagnostics.Length == 0, "bicep lint:\n" + infra.Lint.Output);
    }

    /// <summary>The check above can fail: a warning the linter raises is seen although lint exits 0.</summary>
    [Fact]
    public async Task A_lint_warning_is_seen_although_lint_exits_zero()
    {
        string folder = Directory.CreateTempSubdirectory("co-bicep-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "unused.bicep"), "param unused string\noutput region string = resourceGroup().location\n");

            BicepRun lint = await BicepCli.RunAsync(folder, "lint", "unused.bicep");

            Assert.Equal(0, lint.ExitCode);
            Assert.Contains(lint.Diagnostics, d => d.Contains("Warning no-unused-params", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
