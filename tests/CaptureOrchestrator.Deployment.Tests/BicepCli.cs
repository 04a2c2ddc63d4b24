using System.Diagnostics;
using System.Reflection;

namespace CaptureOrchestrator.Deployment.Tests;

/// <summary>What one run of the Bicep CLI printed.</summary>
/// <param name="ExitCode">The CLI's exit code (lint exits 0 on warnings: never enough on its own).</param>
/// <param name="Output">Everything it printed, stdout and stderr.</param>
public sealed record BicepRun(int ExitCode, string Output)
{
    /// <summary>Every diagnostic line, whatever its level ("file(line,col) : Error|Warning|Info code: message").</summary>
    public string[] Diagnostics => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The Bicep CLI from its NuGet package (Azure.Bicep.CommandLine.linux-x64, restored with this
/// project; its build props give the path), run as a developer would run it.
/// </summary>
public static class BicepCli
{
    public static string Executable { get; } = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;

    /// <exception cref="InvalidOperationException">The CLI is missing or does not finish in two minutes.</exception>
    public static async Task<BicepRun> RunAsync(string workingDirectory, params string[] arguments)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"the Bicep CLI is not at {Executable}: restore this project (it comes from the Azure.Bicep.CommandLine.linux-x64 package; the tests run on linux-x64)");
        }

        // NuGet does not always keep the executable bit when it extracts a package.
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(Executable).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(Executable, File.GetUnixFileMode(Executable) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"bicep {string.Join(' ', arguments)} did not finish in two minutes");
        }

        return new BicepRun(process.ExitCode, (await stdout) + (await stderr));
    }
}
