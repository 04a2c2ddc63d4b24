using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Reporting;
using CaptureOrchestrator.Analysis.Scenarios;
using CaptureOrchestrator.Analysis.Tests.Support;

namespace CaptureOrchestrator.Analysis.Tests.Findings;

/// <summary>
/// A report never contradicts itself: never HEALTHY while its flow table lists failures nobody
/// accounted for. Every report the analysis tests produce goes through <see cref="Analyze.Consistent"/>;
/// these tests pin the accounting and show the checker catches what it must.
/// </summary>
public sealed class ReportConsistencyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ScenarioBuilder Healthy()
    {
        var s = new ScenarioBuilder(Start);
        s.Tcp("10.1.0.4:50000", "10.2.0.10:443").Handshake().ClientSends(600).ServerSends(20_000).Close();
        return s;
    }

    [SharedCapturesTheory]
    [MemberData(nameof(ReadableFiles))]
    public void Reports_on_every_real_capture_are_consistent_and_list_failed_flows_first(string file)
    {
        DiagnosisResult result = Analyze.DiagnoseFile(SharedCaptures.PathOf(file)); // asserts consistency
        AnalysisReport report = Analyze.Report(result);
        bool seenHealthyFlow = false;
        foreach (FlowReport flow in report.Flows)
        {
            bool failed = Enum.TryParse(flow.State, out ConnectionState state) && flow.Protocol == "tcp" && state.IsFailure();
            Assert.False(failed && seenHealthyFlow, $"failed flow {flow.Id} ({flow.State}) is listed after a flow without problems");
            seenHealthyFlow |= !failed && flow.OriginatorStats.Retransmissions + flow.ResponderStats.Retransmissions == 0 && flow.IcmpErrorCount == 0
                && flow.OriginatorStats.ZeroWindows + flow.ResponderStats.ZeroWindows == 0;
        }
    }

    public static TheoryData<string> ReadableFiles() => SharedCaptures.ReadableFiles();

    [Fact]
    public void A_failure_no_diagnosis_covers_is_reported_instead_of_healthy()
    {
        // SYN, then the client's own RST without a SYN-ACK (RSTOS0): no detector has a rule for it.
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50001", "10.3.0.5:8443", TimeSpan.FromMilliseconds(10)).Syn().Wait(TimeSpan.FromMilliseconds(500)).Reset(fromClient: true);
        DiagnosisResult result = Analyze.Diagnose(s);
        Finding top = result.Findings[0];
        Assert.Equal(FindingCodes.FailedFlowsUnexplained, top.Code);
        Assert.Equal(FindingSeverity.Warning, top.Severity);
        Assert.Contains("SYN then RST by originator", top.Title, StringComparison.Ordinal);
        Assert.Equal("10.3.0.5:8443", top.Flow!.Server);
        Assert.DoesNotContain(result.Findings, f => f.Code == FindingCodes.Healthy);
    }

    [Fact]
    public void Unanswered_udp_requests_to_a_service_that_always_answers_are_not_healthy()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:40123", "10.0.0.1:123", TimeSpan.FromMilliseconds(10)).Send(true, 48).Wait(TimeSpan.FromSeconds(1)).Send(true, 48).Wait(TimeSpan.FromSeconds(2)).Send(true, 48);
        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.Equal(FindingCodes.FailedFlowsUnexplained, result.Findings[0].Code);
        Assert.Contains("UDP request, no reply", result.Findings[0].Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Near_miss_answered_ntp_and_one_way_syslog_are_healthy()
    {
        ScenarioBuilder s = Healthy();
        s.Udp("10.1.0.4:40123", "10.0.0.1:123", TimeSpan.FromMilliseconds(10)).Send(true, 48).Wait(TimeSpan.FromMilliseconds(5)).Send(false, 48);
        s.Udp("10.1.0.4:40514", "10.0.0.9:514", TimeSpan.FromMilliseconds(20)).Send(true, 200).Send(true, 200).Send(true, 200);
        DiagnosisResult result = Analyze.Diagnose(s);
        Assert.Equal(FindingCodes.Healthy, result.Findings[0].Code);
        Assert.Equal(0, result.Findings[0].Facts["failedFlows"]);
    }

    [Fact]
    public void Benign_failures_are_explained_in_the_healthy_finding()
    {
        // A load-balancer probe (handshake, then RST) and a SYN in the last second of the capture.
        ScenarioBuilder s = Healthy();
        s.Tcp("168.63.129.16:61000", "10.2.0.10:443", TimeSpan.FromMilliseconds(10)).Handshake().Reset(fromClient: true);
        s.Tcp("10.1.0.4:50002", "10.2.0.11:443", TimeSpan.FromMilliseconds(50)).Syn();
        DiagnosisResult result = Analyze.Diagnose(s);
        Finding healthy = result.Findings[0];
        Assert.Equal(FindingCodes.Healthy, healthy.Code);
        Assert.Equal(2, healthy.Facts["failedFlows"]);
        Assert.Equal(2, healthy.Facts["failedFlowsExplained"]);
        Assert.Contains("reset before any data", healthy.Title, StringComparison.Ordinal);
        Assert.Contains("last seconds of the capture", healthy.Title, StringComparison.Ordinal);
        Assert.DoesNotContain("none failed", healthy.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void The_checker_catches_a_healthy_verdict_next_to_an_error_and_duplicate_evidence()
    {
        ScenarioBuilder s = Healthy();
        s.Tcp("10.1.0.4:50001", "10.3.0.5:3389", TimeSpan.FromMilliseconds(10)).Syn().Wait(TimeSpan.FromSeconds(1)).Retransmit().Wait(TimeSpan.FromSeconds(3));
        DiagnosisResult real = Analyze.Diagnose(s);
        Finding error = real.Findings[0];
        Finding healthy = Analyze.Diagnose(Healthy()).Findings[0];

        var forged = new DiagnosisResult(real.Analysis, [healthy, error with { Packets = [3, 3] }], real.Dns, real.Tls);

        Assert.Contains(forged.Contradictions, c => c.Contains("ranks below", StringComparison.Ordinal));
        Assert.Contains(forged.Contradictions, c => c.Contains("HEALTHY next to TCP_SYN_UNANSWERED", StringComparison.Ordinal));
        Assert.Contains(forged.Contradictions, c => c.Contains("lists a frame twice", StringComparison.Ordinal));
        Assert.Contains(forged.Contradictions, c => c.Contains("failed flows of which only", StringComparison.Ordinal));
        Assert.Empty(real.Contradictions);
    }

    [Fact]
    public void Grouped_one_packet_flows_list_each_frame_once()
    {
        ScenarioBuilder s = Healthy();
        for (int i = 0; i < 3; i++)
        {
            s.Tcp($"10.1.0.4:{51000 + i}", "10.3.0.5:3389", TimeSpan.FromMilliseconds(10 + i)).Syn();
        }

        s.Tcp("10.1.0.4:52000", "10.2.0.10:443", TimeSpan.FromSeconds(10)).Handshake().Close();
        Finding syn = Assert.Single(Analyze.Diagnose(s).Findings, f => f.Code == FindingCodes.TcpSynUnanswered);
        Assert.Equal(3, syn.Packets.Count);
    }
}
