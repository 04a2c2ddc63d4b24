namespace CaptureOrchestrator.TestSupport;

/// <summary>A [Fact] that is skipped, naming what is missing, when a program it runs is not on the PATH.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        string[] missing = [.. tools.Where(tool => !OnPath(tool))];
        if (missing.Length > 0)
        {
            Skip = $"needs {string.Join(", ", missing)} on the PATH (Debian: apt-get install {string.Join(' ', missing.Select(m => m == "python3" ? "python3" : m))})";
        }
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
