using System.Diagnostics;

namespace CaptureOrchestrator.Cli.Tests;

/// <summary>
/// Debian's Chromium, headless, as the browser a person would open the HTML report in. Started with
/// its background networking off (the machine's network is closed, and the report must need none)
/// and a fresh profile each time.
/// </summary>
internal static class HeadlessChromium
{
    public const string MissingReason = "Chromium is not installed (scripts/test.sh installs Debian's chromium with apt-get when it can)";

    private static readonly Lazy<string?> Executable = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") })
            .FirstOrDefault(File.Exists));

    public static bool Available => Executable.Value is not null;

    /// <summary>What the browser made of a page: the DOM after rendering, and its log (console messages included).</summary>
    public sealed record Rendering(string Dom, string Log);

    /// <summary>Renders <paramref name="page"/>, writes a screenshot to <paramref name="screenshot"/>, and returns the DOM and the log.</summary>
    public static Rendering Render(string page, string screenshot, string profile)
    {
        string uri = new Uri(page).AbsoluteUri;
        string log = Run(profile, "--window-size=1200,1600", "--screenshot=" + screenshot, uri).Log;
        Rendering dom = Run(profile, "--dump-dom", uri);
        return dom with { Log = log + dom.Log };
    }

    private static Rendering Run(string profile, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value ?? throw new InvalidOperationException(MissingReason))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(90_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 90 s");
        }

        return new Rendering(output.Result, error.Result);
    }
}

/// <summary>A [Fact] skipped, with the reason, when Chromium is not installed.</summary>
public sealed class RequiresChromiumFactAttribute : FactAttribute
{
    public RequiresChromiumFactAttribute()
    {
        if (!HeadlessChromium.Available)
        {
            Skip = HeadlessChromium.MissingReason;
        }
    }
}
