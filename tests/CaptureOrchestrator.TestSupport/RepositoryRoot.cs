namespace CaptureOrchestrator.TestSupport;

/// <summary>The checkout the tests run from (the folder holding CaptureOrchestrator.sln).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CaptureOrchestrator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no CaptureOrchestrator.sln above {AppContext.BaseDirectory}");
    }
}
