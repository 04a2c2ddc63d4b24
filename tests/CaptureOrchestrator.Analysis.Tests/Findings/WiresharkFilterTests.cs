using CaptureOrchestrator.Analysis.Findings.Detectors;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

public sealed class WiresharkFilterTests
{
    [Theory]
    [InlineData("plain.contoso.com", "plain.contoso.com")]
    [InlineData("evil\" || frame", "evil\\\" || frame")]
    [InlineData("back\\slash", "back\\\\slash")]
    public void Names_from_the_capture_cannot_break_out_of_a_filter_string(string name, string expected) =>
        Assert.Equal(expected, DnsDetector.FilterString(name));

    [RequiresTsharkFact]
    public void Every_filter_of_the_demo_and_catalogue_scenarios_is_valid_for_tshark()
    {
        var s = DemoScenario.Build();
        s.Udp("10.1.0.4:53009", "168.63.129.16:53", TimeSpan.FromMilliseconds(40))
            .Send(true, DnsMessageBuilder.Query(5, "no.such.contoso.com")).Send(false, DnsMessageBuilder.Response(5, "no.such.contoso.com", 3));
        byte[] capture = s.ToArray();
        string file = Path.Combine(Path.GetTempPath(), $"co-filters-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(file, capture);
        try
        {
            var filters = new HashSet<string>(Analyze.Diagnose(capture).Findings.Select(f => f.WiresharkFilter));
            if (SharedCaptures.Available)
            {
                foreach (string shared in Directory.GetFiles(SharedCaptures.Directory!).Select(Path.GetFileName).OfType<string>().Where(n => !n.EndsWith(".md", StringComparison.Ordinal) && !n.StartsWith("libpcap__", StringComparison.Ordinal)))
                {
                    filters.UnionWith(Analyze.DiagnoseFile(SharedCaptures.PathOf(shared)).Findings.Select(f => f.WiresharkFilter));
                }
            }

            foreach (string filter in filters)
            {
                // tshark exits non-zero on a filter it cannot compile.
                Tshark.Run("-n", "-r", file, "-Y", filter);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
