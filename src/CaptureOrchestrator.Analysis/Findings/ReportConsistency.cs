namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>
/// What makes a report trustworthy on its own terms: the verdict is the top finding, findings are
/// ranked, evidence lists no frame twice, and a capture is called healthy only when every failed
/// flow in it is covered by a finding or explained. The counts are taken again from the flow
/// collector, independently of the detectors that produced the findings.
/// </summary>
public static class ReportConsistency
{
    public static IReadOnlyList<string> Check(DiagnosisResult result)
    {
        var broken = new List<string>();
        IReadOnlyList<Finding> findings = result.Findings;
        if (findings.Count == 0)
        {
            broken.Add("the report has no finding at all (not even HEALTHY or CAPTURE_EMPTY)");
            return broken;
        }

        if (result.Verdict != findings[0].Verdict)
        {
            broken.Add($"the verdict is not the top finding's ({findings[0].Code})");
        }

        for (int i = 1; i < findings.Count; i++)
        {
            if (findings[i].Severity > findings[i - 1].Severity)
            {
                broken.Add($"{findings[i].Code} ({findings[i].Severity}) ranks below {findings[i - 1].Code} ({findings[i - 1].Severity})");
            }
        }

        foreach (Finding finding in findings)
        {
            if (finding.Packets.Count != finding.Packets.Distinct().Count())
            {
                broken.Add($"{finding.Code} lists a frame twice in its evidence [{string.Join(", ", finding.Packets)}]");
            }
        }

        foreach (string once in new[] { FindingCodes.Healthy, FindingCodes.CaptureEmpty, FindingCodes.FailedFlowsUnexplained })
        {
            if (findings.Count(f => f.Code == once) > 1)
            {
                broken.Add($"{once} appears more than once");
            }
        }

        if (findings.FirstOrDefault(f => f.Code == FindingCodes.Healthy) is { } healthy)
        {
            CheckHealthy(result, healthy, broken);
        }

        if (result.Analysis.Capture.IpPackets > 0 && findings.Any(f => f.Code == FindingCodes.CaptureEmpty))
        {
            broken.Add($"CAPTURE_EMPTY on a capture with {result.Analysis.Capture.IpPackets} IP packets");
        }

        return broken;
    }

    private static void CheckHealthy(DiagnosisResult result, Finding healthy, List<string> broken)
    {
        if (result.Findings.FirstOrDefault(f => f.Severity >= FindingSeverity.Warning) is { } problem)
        {
            broken.Add($"HEALTHY next to {problem.Code} ({problem.Severity})");
        }

        long failed = result.Analysis.Flows.FailedFlows;
        double claimed = healthy.Facts.GetValueOrDefault("failedFlows", -1);
        double explained = healthy.Facts.GetValueOrDefault("failedFlowsExplained", -1);
        if (claimed != failed)
        {
            broken.Add($"HEALTHY counts {claimed} failed flows; the flow table has {failed}");
        }

        if (explained != failed)
        {
            broken.Add($"HEALTHY with {failed} failed flows of which only {explained} are covered or explained");
        }

        if (failed > 0 && healthy.Title.Contains("none failed", StringComparison.Ordinal) && result.Analysis.Flows.FailedTcpConnections > 0)
        {
            broken.Add($"HEALTHY says 'none failed' while {result.Analysis.Flows.FailedTcpConnections} TCP connections failed");
        }
    }
}
