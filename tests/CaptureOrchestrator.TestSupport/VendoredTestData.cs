namespace CaptureOrchestrator.TestSupport;

/// <summary>
/// The test data copied into testdata/ (see testdata/README.md) and the shared folder it came
/// from. The copies must stay byte-for-byte what was shared: a drift fails the suite.
/// </summary>
public static class VendoredTestData
{
    public static string InRepository(string folder) => System.IO.Path.Combine(RepositoryRoot.Path, "testdata", folder);

    public static string InShared(string folder) => System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot.Path, "..", "shared", folder));

    /// <summary>Files that differ between the copy and the shared folder ("missing in copy: x", "differs: y"); empty when identical.</summary>
    public static IReadOnlyList<string> Differences(string folder)
    {
        string copy = InRepository(folder);
        string shared = InShared(folder);
        var copied = Directory.GetFiles(copy).Select(System.IO.Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var original = Directory.GetFiles(shared).Select(System.IO.Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var differences = new List<string>();
        differences.AddRange(original.Except(copied).Order(StringComparer.Ordinal).Select(f => $"missing in testdata/{folder}: {f}"));
        differences.AddRange(copied.Except(original).Order(StringComparer.Ordinal).Select(f => $"not in ../shared/{folder}: {f}"));
        foreach (string file in copied.Intersect(original).Order(StringComparer.Ordinal))
        {
            if (!File.ReadAllBytes(System.IO.Path.Combine(copy, file)).AsSpan().SequenceEqual(File.ReadAllBytes(System.IO.Path.Combine(shared, file))))
            {
                differences.Add($"differs from ../shared/{folder}: {file}");
            }
        }

        return differences;
    }
}

/// <summary>A [Theory] comparing testdata/ with ../shared, skipped with the reason when ../shared is absent (nothing to compare with).</summary>
public sealed class SharedFolderTheoryAttribute : TheoryAttribute
{
    public SharedFolderTheoryAttribute()
    {
        if (!Directory.Exists(VendoredTestData.InShared(string.Empty)))
        {
            Skip = "../shared is not present beside the repository: there is nothing to compare testdata/ with";
        }
    }
}
