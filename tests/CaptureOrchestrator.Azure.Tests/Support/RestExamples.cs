namespace CaptureOrchestrator.Azure.Tests.Support;

/// <summary>
/// Locates the official request/response examples for every Azure operation the product calls:
/// testdata/azure-rest in the repository (see testdata/README.md), else ../shared/azure-rest
/// beside it. CAPTURE_ORCHESTRATOR_SHARED (a folder holding azure-rest/) overrides both.
/// </summary>
public static class RestExamples
{
    /// <summary>
    /// Under CI (CI=true, as GitHub Actions and .ci/run machines set it) a missing folder fails
    /// the tests that need it instead of skipping them: a green run that silently skipped every
    /// real-data test would prove nothing.
    /// </summary>
    public static bool RequiredByCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public const string MissingReason = "neither testdata/azure-rest in the repository nor ../shared/azure-rest beside it is present (set CAPTURE_ORCHESTRATOR_SHARED to a folder holding azure-rest/ to run these tests)";

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
                // The copy that travels with the repository (testdata/README.md), else ../shared.
                foreach (string path in new[] { Path.Combine(dir.FullName, "testdata", "azure-rest"), Path.Combine(dir.FullName, "..", "shared", "azure-rest") })
                {
                    if (System.IO.Directory.Exists(path))
                    {
                        return Path.GetFullPath(path);
                    }
                }

                return null;
            }
        }

        return null;
    }
}

/// <summary>A [Fact] that is skipped (outside CI), with the reason, when the shared REST examples are absent.</summary>
public sealed class RestExamplesFactAttribute : FactAttribute
{
    public RestExamplesFactAttribute()
    {
        if (!RestExamples.Available && !RestExamples.RequiredByCi)
        {
            Skip = RestExamples.MissingReason;
        }
    }
}

/// <summary>A [Theory] that is skipped (outside CI), with the reason, when the shared REST examples are absent.</summary>
public sealed class RestExamplesTheoryAttribute : TheoryAttribute
{
    public RestExamplesTheoryAttribute()
    {
        if (!RestExamples.Available && !RestExamples.RequiredByCi)
        {
            Skip = RestExamples.MissingReason;
        }
    }
}
