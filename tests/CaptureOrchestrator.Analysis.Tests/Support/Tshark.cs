using System.Diagnostics;

namespace CaptureOrchestrator.Analysis.Tests.Support;

/// <summary>tshark as a reference peer: run it on a file and read its field output.</summary>
public static class Tshark
{
    private static readonly Lazy<string?> Executable = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => Path.Combine(dir, "tshark")).FirstOrDefault(File.Exists));

    public static bool Available => Executable.Value is not null;

    public const string MissingReason = "tshark is not installed (scripts/test.sh installs it with apt-get when it can)";

    /// <summary>Runs tshark with the arguments; returns standard output (throws on failure).</summary>
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value ?? throw new InvalidOperationException(MissingReason))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException("tshark did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tshark exited {process.ExitCode}: {error.Result}");
        }

        return output.Result;
    }
}

/// <summary>A [Fact] skipped, with the reason, when tshark is not installed.</summary>
public sealed class RequiresTsharkFactAttribute : FactAttribute
{
    public RequiresTsharkFactAttribute()
    {
        if (!Tshark.Available)
        {
            Skip = Tshark.MissingReason;
        }
    }
}

/// <summary>A [Theory] skipped, with the reason, when tshark is not installed.</summary>
public sealed class RequiresTsharkTheoryAttribute : TheoryAttribute
{
    public RequiresTsharkTheoryAttribute()
    {
        if (!Tshark.Available)
        {
            Skip = Tshark.MissingReason;
        }
    }
}
