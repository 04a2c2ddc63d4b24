namespace CaptureOrchestrator.Analysis.Tests.Support;

/// <summary>
/// Locates ../shared/captures (beside the repository) holding real captures and their tshark
/// ground truth. CAPTURE_ORCHESTRATOR_SHARED overrides the location of the shared folder.
/// </summary>
public static class SharedCaptures
{
    public const string MissingReason = "../shared/captures is not present beside the repository (set CAPTURE_ORCHESTRATOR_SHARED to the shared folder to run these tests)";

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
                string path = Path.Combine(dir.FullName, "..", "shared", "captures");
                return System.IO.Directory.Exists(path) ? Path.GetFullPath(path) : null;
            }
        }

        return null;
    }
}

/// <summary>A [Fact] that is skipped, with the reason, when the shared captures are absent.</summary>
public sealed class SharedCapturesFactAttribute : FactAttribute
{
    public SharedCapturesFactAttribute()
    {
        if (!SharedCaptures.Available)
        {
            Skip = SharedCaptures.MissingReason;
        }
    }
}

/// <summary>A [Theory] over shared captures, skipped with the reason when they are absent.</summary>
public sealed class SharedCapturesTheoryAttribute : TheoryAttribute
{
    public SharedCapturesTheoryAttribute()
    {
        if (!SharedCaptures.Available)
        {
            Skip = SharedCaptures.MissingReason;
        }
    }
}
