namespace CaptureOrchestrator.Analysis.Tests.Support;

/// <summary>
/// Locates the real captures and their tshark ground truth: testdata/captures in the repository
/// (see testdata/README.md), else ../shared/captures beside it. CAPTURE_ORCHESTRATOR_SHARED
/// (a folder holding captures/) overrides both.
/// </summary>
public static class SharedCaptures
{
    /// <summary>
    /// Under CI (CI=true, as GitHub Actions and .ci/run machines set it) a missing folder fails
    /// the tests that need it instead of skipping them: a green run that silently skipped every
    /// real-data test would prove nothing.
    /// </summary>
    public static bool RequiredByCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public const string MissingReason = "neither testdata/captures in the repository nor ../shared/captures beside it is present (set CAPTURE_ORCHESTRATOR_SHARED to a folder holding captures/ to run these tests)";

    private static readonly Lazy<string?> Folder = new(Locate);
    private static readonly Lazy<Manifest?> LazyManifest = new(() => Folder.Value is { } f ? Manifest.Load(Path.Combine(f, "MANIFEST.md")) : null);

    public static string? Directory => Folder.Value;

    public static bool Available => Folder.Value is not null;

    public static Manifest Manifest => LazyManifest.Value ?? throw new InvalidOperationException(MissingReason);

    public static string PathOf(string file) => Path.Combine(Folder.Value ?? throw new InvalidOperationException(MissingReason), file);

    /// <summary>Files whose file header tshark refuses: nothing in them can be read, by tshark or by us.</summary>
    public static readonly IReadOnlySet<string> UnreadableHeaders = new HashSet<string> { "libpcap__pcap-invalid-version-1.pcap", "libpcap__shb-option-too-long.pcapng" };

    /// <summary>Every capture file in the folder (theory data); empty when the folder is absent.</summary>
    public static TheoryData<string> AllFiles() => Files(_ => true);

    /// <summary>Every capture file whose header can be read (theory data).</summary>
    public static TheoryData<string> ReadableFiles() => Files(file => !UnreadableHeaders.Contains(file));

    private static TheoryData<string> Files(Func<string, bool> include)
    {
        var data = new TheoryData<string>();
        if (Folder.Value is { } folder)
        {
            foreach (string file in System.IO.Directory.GetFiles(folder).Select(Path.GetFileName).OfType<string>().Where(n => !n.EndsWith(".md", StringComparison.Ordinal) && include(n)).Order())
            {
                data.Add(file);
            }
        }
        else
        {
            data.Add("(shared captures missing)");
        }

        return data;
    }

    private static string? Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("CAPTURE_ORCHESTRATOR_SHARED");
        if (!string.IsNullOrEmpty(configured))
        {
            string path = Path.Combine(configured, "captures");
            return System.IO.Directory.Exists(path) ? path : null;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CaptureOrchestrator.sln")))
            {
                // The copy that travels with the repository (testdata/README.md), else ../shared.
                foreach (string path in new[] { Path.Combine(dir.FullName, "testdata", "captures"), Path.Combine(dir.FullName, "..", "shared", "captures") })
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

/// <summary>A [Fact] that is skipped (outside CI), with the reason, when the shared captures are absent.</summary>
public sealed class SharedCapturesFactAttribute : FactAttribute
{
    public SharedCapturesFactAttribute()
    {
        if (!SharedCaptures.Available && !SharedCaptures.RequiredByCi)
        {
            Skip = SharedCaptures.MissingReason;
        }
    }
}

/// <summary>A [Theory] over shared captures, skipped (outside CI) with the reason when they are absent.</summary>
public sealed class SharedCapturesTheoryAttribute : TheoryAttribute
{
    public SharedCapturesTheoryAttribute()
    {
        if (!SharedCaptures.Available && !SharedCaptures.RequiredByCi)
        {
            Skip = SharedCaptures.MissingReason;
        }
    }
}
