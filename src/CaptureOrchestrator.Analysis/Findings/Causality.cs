namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>
/// Cause before symptom. Some findings explain others on the same flows: an MTU problem makes TCP
/// resend its large segments, a closed receive window or loss makes a transfer slow. A report that
/// lists those side by side sends the engineer after the symptom (VM bandwidth, NVA capacity)
/// while the cause sits further down. Here the cause absorbs its symptoms: it ranks with the worst
/// of them, and they move under it as its evidence.
/// </summary>
public static class Causality
{
    /// <summary>One rule: findings with <c>Cause</c> codes explain <c>Symptom</c> findings on a flow they share, when <c>Applies</c>.</summary>
    private sealed record Rule(string[] Cause, string Symptom, Func<Finding, bool> Applies, string Because);

    private static readonly Rule[] Rules =
    [
        // Resends of full-size segments after "fragmentation needed", or into a black hole, are
        // the MTU problem at work. When most resends were small, something else lost them.
        new([FindingCodes.IcmpFragmentationNeeded, FindingCodes.MtuBlackhole], FindingCodes.TcpRetransmissions,
            symptom => symptom.Facts.GetValueOrDefault("largeSegmentRetransmissions") * 2 >= symptom.Facts.GetValueOrDefault("retransmissions"),
            "the resent segments are the full-size ones the path cannot carry"),

        // A query answered by "port unreachable" did get an answer: the resolver (or a filter in
        // front of it) rejected it. The DNS timeout the client sees is that rejection.
        new([FindingCodes.IcmpUnreachable], FindingCodes.DnsUnanswered, _ => true,
            "the queries were rejected with an ICMP error, which is why no DNS answer came"),

        // A slow transfer or a late first byte on a flow with its own explanation is that
        // explanation's symptom: the sender waited for the window to open, or for the resends.
        // A slow handshake is not: it happens before any of them.
        new([FindingCodes.IcmpFragmentationNeeded, FindingCodes.MtuBlackhole, FindingCodes.TcpZeroWindow, FindingCodes.TcpRetransmissions], FindingCodes.SlowResponse,
            symptom => !symptom.Facts.ContainsKey("handshakeMs"),
            "the transfer is slow because of it"),
    ];

    /// <summary>The findings with every explained symptom moved under its cause.</summary>
    public static List<Finding> Apply(IReadOnlyList<Finding> findings)
    {
        var result = findings.ToList();
        foreach (Rule rule in Rules)
        {
            for (int c = 0; c < result.Count; c++)
            {
                Finding cause = result[c];
                if (!rule.Cause.Contains(cause.Code))
                {
                    continue;
                }

                var flows = cause.EvidenceFlows.Select(e => e.Key).ToHashSet();
                List<Finding> explained = result.Where(f => f.Code == rule.Symptom && !ReferenceEquals(f, cause) && rule.Applies(f)
                    && f.EvidenceFlows.Any(e => flows.Contains(e.Key))).ToList();
                if (explained.Count == 0)
                {
                    continue;
                }

                Finding merged = Absorb(cause, explained, rule.Because);
                result[c] = merged;
                result.RemoveAll(f => explained.Exists(e => ReferenceEquals(e, f)));
                c = result.FindIndex(f => ReferenceEquals(f, merged)); // symptoms removed before it shift it
            }
        }

        return result;
    }

    private static Finding Absorb(Finding cause, List<Finding> symptoms, string because)
    {
        string first = symptoms[0].Title;
        string more = symptoms.Count > 1 ? $" (and {symptoms.Count - 1} more)" : string.Empty;
        return cause with
        {
            Severity = (FindingSeverity)Math.Max((int)cause.Severity, symptoms.Max(s => (int)s.Severity)),
            Verdict = $"{cause.Verdict} That is why {Lower(first)}{more}.",
            Explanation = $"{cause.Explanation} Listed under this finding as its evidence, not as separate problems — {because}: "
                + string.Join("; ", symptoms.Select(s => s.Title)) + ".",
            Weight = cause.Weight + symptoms.Sum(s => s.Weight),
            Symptoms = [.. cause.Symptoms, .. symptoms],
        };
    }

    private static string Lower(string sentence) =>
        sentence.Length > 1 && char.IsUpper(sentence[0]) && !char.IsUpper(sentence[1]) ? char.ToLowerInvariant(sentence[0]) + sentence[1..] : sentence;
}
