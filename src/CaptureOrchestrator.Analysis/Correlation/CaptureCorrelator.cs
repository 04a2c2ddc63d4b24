using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Correlation;

/// <summary>One capture of the incident, in path order (client side first).</summary>
public sealed record CorrelationInput(string Name, IReadOnlyList<FlowSighting> Flows);

/// <summary>How one conversation looked at each hop.</summary>
/// <param name="Protocol">tcp, udp, ...</param>
/// <param name="Client">Client endpoint as seen at the first hop where it appears.</param>
/// <param name="Server">Server endpoint.</param>
/// <param name="Hops">Per capture, in path order: null when the conversation is absent there.</param>
/// <param name="MatchedByNat">Matched across an address/port translation rather than by identical 5-tuple.</param>
/// <param name="Verdict">Where packets stop appearing, in one sentence; null when nothing is lost.</param>
/// <param name="LostBetween">Index of the last capture that saw the traffic, when it is lost after it.</param>
public sealed record CorrelatedFlow(string Protocol, string Client, string Server, IReadOnlyList<FlowSighting?> Hops, bool MatchedByNat, string? Verdict, int? LostBetween);

/// <summary>
/// Matches the flows of several captures of the same incident (VM and gateway, client and
/// server) and says on which hop packets stop appearing. Flows match by identical 5-tuple, or
/// across NAT by protocol, server port and start time when addresses or ports were rewritten.
/// </summary>
public static class CaptureCorrelator
{
    /// <summary>Clocks of different capture points differ; starts this close count as the same conversation.</summary>
    private static readonly long NatMatchWindowNs = (long)TimeSpan.FromSeconds(2).TotalNanoseconds;

    public static IReadOnlyList<CorrelatedFlow> Correlate(IReadOnlyList<CorrelationInput> captures)
    {
        if (captures.Count < 2)
        {
            return [];
        }

        var indexes = captures.Select(c => new CaptureIndex(c.Flows)).ToArray();
        var result = new List<CorrelatedFlow>();
        for (int origin = 0; origin < captures.Count; origin++)
        {
            IReadOnlyList<FlowSighting> flows = captures[origin].Flows;
            for (int i = 0; i < flows.Count; i++)
            {
                if (!indexes[origin].TryClaim(i))
                {
                    continue;
                }

                FlowSighting anchor = flows[i];
                var hops = new FlowSighting?[captures.Count];
                hops[origin] = anchor;
                bool nat = false;
                for (int other = origin + 1; other < captures.Count; other++)
                {
                    int match = indexes[other].ClaimMatch(anchor, out bool viaNat);
                    if (match >= 0)
                    {
                        hops[other] = captures[other].Flows[match];
                        nat |= viaNat;
                    }
                }

                (string? verdict, int? lostAfter) = Judge(anchor, hops, captures);
                result.Add(new CorrelatedFlow(
                    IpProtocol.Name(anchor.Protocol), Endpoint(anchor.Client, anchor.ClientPort), Endpoint(anchor.Server, anchor.ServerPort),
                    hops, nat, verdict, lostAfter));
            }
        }

        return result;
    }

    private static (string? Verdict, int? LostAfter) Judge(FlowSighting anchor, FlowSighting?[] hops, IReadOnlyList<CorrelationInput> captures)
    {
        string what = $"{IpProtocol.Name(anchor.Protocol)} {Endpoint(anchor.Client, anchor.ClientPort)} → {Endpoint(anchor.Server, anchor.ServerPort)}";

        // Client-to-server direction: the last hop in path order that still saw client packets.
        int lastWithClient = -1;
        for (int h = 0; h < hops.Length; h++)
        {
            if (hops[h] is { FromClient: > 0 })
            {
                lastWithClient = h;
            }
            else if (lastWithClient >= 0)
            {
                return ($"Packets of {what} reach {captures[lastWithClient].Name} but never appear in {captures[h].Name}: they are lost between those two capture points.", lastWithClient);
            }
        }

        // Server-to-client direction: answers seen closer to the server but missing closer to the client.
        for (int h = hops.Length - 1; h > 0; h--)
        {
            if (hops[h] is { FromServer: > 0 } && hops[h - 1] is { FromServer: 0 })
            {
                return ($"Replies of {what} leave {captures[h].Name} but never reach {captures[h - 1].Name}: the return path loses them (asymmetric route or a stateful device).", h - 1);
            }
        }

        if (hops[^1] is { FromClient: > 0, FromServer: 0, Protocol: IpProtocol.Tcp })
        {
            return ($"Packets of {what} reach the last capture point ({captures[^1].Name}) and get no answer there.", null);
        }

        return (null, null);
    }

    private static string Endpoint(NetAddress address, ushort port) => address.IsIPv4 ? $"{address}:{port}" : $"[{address}]:{port}";

    /// <summary>A finding for each place where packets stop appearing.</summary>
    public static IEnumerable<Finding> Findings(IReadOnlyList<CorrelatedFlow> flows, IReadOnlyList<string> captureNames)
    {
        foreach (IGrouping<(int?, string), CorrelatedFlow> group in flows.Where(f => f.LostBetween is not null).GroupBy(f => (f.LostBetween, f.Verdict!.Contains("Replies", StringComparison.Ordinal) ? "reply" : "forward")))
        {
            CorrelatedFlow first = group.First();
            int hop = group.Key.Item1!.Value;
            bool replies = group.Key.Item2 == "reply";
            string from = replies ? captureNames[hop + 1] : captureNames[hop];
            string to = replies ? captureNames[hop] : captureNames[hop + 1];
            yield return new Finding
            {
                Code = FindingCodes.PacketsLostBetweenHops,
                Severity = FindingSeverity.Error,
                Title = $"{group.Count()} conversation(s) lost between {from} and {to}" + (replies ? " (return direction)" : string.Empty),
                Verdict = first.Verdict!,
                Explanation = $"The same conversations were captured at several points. Their packets are present in {from} and absent in {to}, "
                    + "so whatever drops them sits between those two capture points.",
                NextStep = "Between those points look at: the NSGs on the receiving subnet and NIC (Network Watcher IP flow verify), the route table of the sending subnet (next hop), "
                    + "Azure Firewall / NVA logs for the 5-tuple, and for VPN paths the tunnel's traffic selectors and the on-premises firewall.",
                WiresharkFilter = $"{first.Protocol}",
                Flow = new FlowReference(first.Protocol, first.Client, first.Server),
                FlowCount = group.Count(),
                Facts = new Dictionary<string, double> { ["conversations"] = group.Count() },
                Weight = group.Count(),
            };
        }
    }

    /// <summary>The flows of one capture, indexed by 5-tuple and by service (protocol, server port) in time order.</summary>
    private sealed class CaptureIndex
    {
        private readonly IReadOnlyList<FlowSighting> _flows;
        private readonly bool[] _claimed;
        private readonly Dictionary<FlowKey, List<int>> _byKey = [];
        private readonly Dictionary<(byte, ushort), List<int>> _byService = [];

        public CaptureIndex(IReadOnlyList<FlowSighting> flows)
        {
            _flows = flows;
            _claimed = new bool[flows.Count];
            for (int i = 0; i < flows.Count; i++)
            {
                Add(_byKey, flows[i].Key, i);
                Add(_byService, (flows[i].Protocol, flows[i].ServerPort), i);
            }

            foreach (List<int> list in _byService.Values)
            {
                list.Sort((a, b) => flows[a].FirstNanoseconds.CompareTo(flows[b].FirstNanoseconds));
            }
        }

        public bool TryClaim(int index)
        {
            if (_claimed[index])
            {
                return false;
            }

            _claimed[index] = true;
            return true;
        }

        public int ClaimMatch(FlowSighting anchor, out bool viaNat)
        {
            viaNat = false;
            if (_byKey.TryGetValue(anchor.Key, out List<int>? same))
            {
                foreach (int j in same)
                {
                    if (TryClaim(j))
                    {
                        return j;
                    }
                }
            }

            if (!_byService.TryGetValue((anchor.Protocol, anchor.ServerPort), out List<int>? candidates))
            {
                return -1;
            }

            // Across NAT: the same service and either the same client port (source NAT keeps it
            // when it can) or the same server address (destination unchanged), starting close in time.
            int best = -1;
            long bestGap = long.MaxValue;
            for (int k = LowerBound(candidates, anchor.FirstNanoseconds - NatMatchWindowNs); k < candidates.Count; k++)
            {
                int j = candidates[k];
                FlowSighting c = _flows[j];
                long gap = c.FirstNanoseconds - anchor.FirstNanoseconds;
                if (gap > NatMatchWindowNs)
                {
                    break;
                }

                if (!_claimed[j] && (c.ClientPort == anchor.ClientPort || c.Server == anchor.Server) && Math.Abs(gap) < bestGap)
                {
                    best = j;
                    bestGap = Math.Abs(gap);
                }
            }

            if (best >= 0)
            {
                _claimed[best] = true;
                viaNat = true;
            }

            return best;
        }

        private int LowerBound(List<int> sorted, long nanoseconds)
        {
            int low = 0;
            int high = sorted.Count;
            while (low < high)
            {
                int mid = (low + high) / 2;
                if (_flows[sorted[mid]].FirstNanoseconds < nanoseconds)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            return low;
        }

        private static void Add<TKey>(Dictionary<TKey, List<int>> map, TKey key, int index)
            where TKey : notnull
        {
            if (!map.TryGetValue(key, out List<int>? list))
            {
                map[key] = list = [];
            }

            list.Add(index);
        }
    }
}
