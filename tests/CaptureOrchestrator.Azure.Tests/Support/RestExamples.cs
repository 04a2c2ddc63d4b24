namespace CaptureOrchestrator.Azure.Tests.Support;

/// <summary>
/// Locates ../shared/azure-rest (beside the repository): the official request/response examples
/// for every Azure operation the product calls. CAPTURE_ORCHESTRATOR_SHARED overrides the shared folder.
/// </summary>
public static class RestExamples
{
    public const string MissingReason = "../shared/azure-rest is not present beside the repository (set CAPTURE_ORCHESTRATOR_SHARED to the shared folder to run these tests)";

    private static readonly Lazy<string?> Folder = new(Locate);

    public static string Directory => Folder.Value ?? throw new InvalidOperationException(MissingReason);

    public static bool Available => Folder.Value is not null;

    private static string? Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("CAPTURE_ORCHESTRATOR_SHARED");
        if (!string.IsNullOrEmpty(configured))
        {
            string path = Path.Combine(configured, "azure-rest");
            return System.IO.Directory.Exists(path) ? path : null;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CaptureOrchestrator.sln")))
            {
                string path = Path.Combine(dir.FullName, "..", "shared", "azure-rest");
                return System.IO.Directory.Exists(path) ? Path.GetFullPath(path) : null;
            }
        }

        return null;
    }
}

/// <summary>A [Fact] that is skipped, with the reason, when the shared REST examples are absent.</summary>
public sealed class RestExamplesFactAttribute : FactAttribute
{
    public RestExamplesFactAttribute()
    {
        if (!RestExamples.Available)
        {
            Skip = RestExamples.MissingReason;
        }
    }
}

/// <summary>A [Theory] that is skipped, with the reason, when the shared REST examples are absent.</summary>
public sealed class RestExamplesTheoryAttribute : TheoryAttribute
{
    public RestExamplesTheoryAttribute()
    {
        if (!RestExamples.Available)
        {
            Skip = RestExamples.MissingReason;
        }
    }
}
