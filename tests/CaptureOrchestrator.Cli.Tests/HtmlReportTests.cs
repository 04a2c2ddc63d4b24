using System.Buffers.Binary;
using System.Text.RegularExpressions;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Cli.Tests;

/// <summary>
/// `analyze --format html`: one self-contained page, looked at in a real browser. The screenshot
/// stays in the test output (html-report/report.png) for a person to look at.
/// </summary>
public sealed partial class HtmlReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A ticket's capture: SYNs to the database unanswered, the API server resetting mid-stream, and healthy web traffic.</summary>
    private static byte[] Incident()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake(TimeSpan.FromMilliseconds(2)).ClientSends(600).ServerSends(20_000).Close();
        TcpConversation database = s.Tcp("10.1.0.4:50100", "10.2.0.20:1433", TimeSpan.FromMilliseconds(20)).Syn();
        database.Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(2)).Retransmit();
        s.Tcp("10.1.0.4:50200", "10.2.0.30:8080", TimeSpan.FromMilliseconds(40)).Handshake().ClientSends(300).ServerSends(200).Wait(TimeSpan.FromMilliseconds(50)).ClientSends(300).Reset(fromClient: false);
        return s.ToArray();
    }

    [Fact]
    public void The_page_is_self_contained_and_draws_each_failing_flow()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("incident.pcap"), Incident());

        CliResult result = CliRunner.Run("analyze", dir.File("incident.pcap"), "--format", "html", "--output", dir.File("report.html"));

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        string html = File.ReadAllText(dir.File("report.html"));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("Content-Security-Policy\" content=\"default-src 'none'", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(ExternalReference(), html);
        Assert.Contains("TCP_SYN_UNANSWERED", html, StringComparison.Ordinal);
        Assert.Contains("Next step in Azure:", html, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(html, "<svg class=\"ladder\""));
    }

    /// <summary>The same incident captured on the VM and on the gateway: the RDP SYNs leave the VM and never reach the gateway.</summary>
    private static (byte[] Vm, byte[] Gateway) Path()
    {
        var vm = new ScenarioBuilder(Start);
        vm.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake().ClientSends(500).ServerSends(4000).Close();
        vm.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(20)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit();
        var gateway = new ScenarioBuilder(Start);
        gateway.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake().ClientSends(500).ServerSends(4000).Close();
        return (vm.ToArray(), gateway.ToArray());
    }

    [Fact]
    public void Captures_along_a_path_get_a_picture_of_it_with_the_point_where_packets_stop_marked()
    {
        using var dir = new TempDirectory();
        (byte[] vm, byte[] gateway) = Path();
        File.WriteAllBytes(dir.File("vm-app.pcap"), vm);
        File.WriteAllBytes(dir.File("vpngw.pcap"), gateway);

        CliResult result = CliRunner.Run("analyze", dir.File("vm-app.pcap"), dir.File("vpngw.pcap"), "--format", "html", "--output", dir.File("path.html"));

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        string html = File.ReadAllText(dir.File("path.html"));
        Assert.DoesNotMatch(ExternalReference(), html);
        Assert.Contains("reach vm-app.pcap but never appear in vpngw.pcap", html, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"path\"", html, StringComparison.Ordinal);
        Assert.Contains("data-stop=\"vpngw.pcap\"", html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "packets stop here"));
        Assert.Contains("<h2>At vm-app.pcap</h2>", html, StringComparison.Ordinal);
    }

    [RequiresChromiumFact]
    public void Chromium_renders_the_report_with_no_script_errors_and_the_ladders_present()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("incident.pcap"), Incident());
        Assert.Equal(ExitCodes.Success, CliRunner.Run("analyze", dir.File("incident.pcap"), "--format", "html", "--output", dir.File("report.html")).ExitCode);
        string shots = System.IO.Path.Combine(AppContext.BaseDirectory, "html-report");
        Directory.CreateDirectory(shots);
        string screenshot = System.IO.Path.Combine(shots, "report.png");
        File.Delete(screenshot);

        HeadlessChromium.Rendering page = HeadlessChromium.Render(dir.File("report.html"), screenshot, dir.File("profile"));

        // The browser's own log: no console error, no blocked load (the policy would log one), no uncaught exception.
        string[] problems = [.. page.Log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Refused to", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal))];
        Assert.True(problems.Length == 0, string.Join('\n', problems));

        // The rendered DOM has both ladders, arrows labelled with the frame numbers of the packets.
        Assert.Equal(2, Regex.Count(page.Dom, "<svg class=\"ladder\""));
        Assert.Contains("data-kind=\"Retransmission\"", page.Dom, StringComparison.Ordinal); // the resent SYNs
        Assert.Contains("data-kind=\"Reset\"", page.Dom, StringComparison.Ordinal);
        Assert.Matches("<g class=\"event\" data-frame=\"\\d+\"", page.Dom);

        // A real picture of the page came out: a PNG of the window's size.
        AssertPng(screenshot);

        // The path page renders as cleanly, with its picture.
        (byte[] vm, byte[] gateway) = Path();
        File.WriteAllBytes(dir.File("vm-app.pcap"), vm);
        File.WriteAllBytes(dir.File("vpngw.pcap"), gateway);
        Assert.Equal(ExitCodes.Success, CliRunner.Run("analyze", dir.File("vm-app.pcap"), dir.File("vpngw.pcap"), "--format", "html", "--output", dir.File("path.html")).ExitCode);
        string pathShot = System.IO.Path.Combine(shots, "path.png");
        HeadlessChromium.Rendering path = HeadlessChromium.Render(dir.File("path.html"), pathShot, dir.File("profile-path"));
        Assert.DoesNotContain("CONSOLE", path.Log, StringComparison.Ordinal);
        Assert.Contains("data-stop=\"vpngw.pcap\"", path.Dom, StringComparison.Ordinal);
        AssertPng(pathShot);
    }

    private static void AssertPng(string screenshot)
    {
        byte[] png = File.ReadAllBytes(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(1200, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.True(png.Length > 20_000, $"the screenshot is only {png.Length} bytes: an empty page?");
    }

    /// <summary>Anything the page would fetch: a script, stylesheet, font or image from elsewhere.</summary>
    [GeneratedRegex("""(src|href)\s*=\s*["'](https?:)?//|@import|url\(\s*["']?https?:""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
