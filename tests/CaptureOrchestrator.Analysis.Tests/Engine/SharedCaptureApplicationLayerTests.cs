using System.Text.RegularExpressions;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Engine;

/// <summary>TLS alert and DNS error counts on every real capture against the tshark ground truth.</summary>
public sealed partial class SharedCaptureApplicationLayerTests
{
    /// <summary>
    /// tshark's display filter also matches the DNS header quoted inside an ICMP error; the engine
    /// counts DNS messages only. Checked with: tshark -r FILE -Y "dns.flags.rcode>0 &amp;&amp; icmp".
    /// </summary>
    private static readonly Dictionary<string, (long NameError, long ServerFailure)> QuotedInIcmp = new()
    {
        ["suricata-verify__flow-drop-iponly-02__input.pcap"] = (0, 1),
    };

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Tls_alert_frames_equal_tshark(string file)
    {
        DiagnosisResult result = Analyze.DiagnoseFile(SharedCaptures.PathOf(file));
        Assert.Equal(SharedCaptures.Manifest.Count(file, "TLS alert frames"), result.Tls.AlertFrames);
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Dns_error_responses_equal_tshark(string file)
    {
        long[] expected = Numbers().Matches(SharedCaptures.Manifest.Cell(file, "DNS rcode>0 frames (NX / SERVFAIL)")).Select(m => long.Parse(m.Value)).ToArray();
        (long quotedNx, long quotedServfail) = QuotedInIcmp.GetValueOrDefault(file);
        DiagnosisResult result = Analyze.DiagnoseFile(SharedCaptures.PathOf(file));
        long errors = result.Dns.ResponsesByCode.Where(p => p.Key != "NOERROR").Sum(p => p.Value);

        Assert.Equal(expected[0] - quotedNx - quotedServfail, errors);
        if (expected.Length == 3)
        {
            Assert.Equal(expected[1] - quotedNx, result.Dns.ResponsesByCode.GetValueOrDefault("NXDOMAIN"));
            Assert.Equal(expected[2] - quotedServfail, result.Dns.ResponsesByCode.GetValueOrDefault("SERVFAIL"));
        }
    }

    [SharedCapturesFact]
    public void Tls_alert_descriptions_are_named()
    {
        // MANIFEST: frame 6 of the handshake-failure capture is fatal alert 40 (handshake_failure) from the server.
        DiagnosisResult result = Analyze.DiagnoseFile(SharedCaptures.PathOf("zeek__tls-1.2-handshake-failure.pcap"));
        Assert.Equal(1, result.Tls.AlertsByDescription["handshake_failure"]);
        Finding alert = Assert.Single(result.Findings, f => f.Code == FindingCodes.TlsAlert);
        Assert.Contains("server sent fatal alert handshake_failure", alert.Title, StringComparison.Ordinal);
        Assert.Equal([6L], alert.Packets);
    }

    [SharedCapturesFact]
    public void Certificate_messages_and_chain_lengths_match_the_manifest()
    {
        // MANIFEST: zeek__tls1.2.pcap frame 8 carries a 3-certificate chain; missing-intermediate has leaf-only chains.
        DiagnosisResult complete = Analyze.DiagnoseFile(SharedCaptures.PathOf("zeek__tls1.2.pcap"));
        Assert.Equal(1, complete.Tls.CertificateMessages);
        Assert.DoesNotContain(complete.Findings, f => f.Code == FindingCodes.TlsIncompleteChain);

        DiagnosisResult missing = Analyze.DiagnoseFile(SharedCaptures.PathOf("zeek__missing-intermediate.pcap"));
        Assert.Equal(3, missing.Tls.CertificateMessages);
        Assert.Contains(missing.Findings, f => f.Code == FindingCodes.TlsIncompleteChain);
    }

    public static TheoryData<string> ReadableFiles() => SharedCaptures.ReadableFiles();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();
}
