using System.Globalization;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>
/// Many flows that show the same problem (e.g. every SYN to one server unanswered), summarised
/// in bounded memory: counts, time span, a sample of packets and flows for the evidence.
/// </summary>
internal sealed class FlowGroup
{
    private const int MaxSamples = 20;
    /// <summary>Distinct clients are counted up to this many per group (a scan can create hundreds of groups).</summary>
    public const int MaxDistinctClients = 256;

    private readonly List<long> _packets = [];
    private readonly List<EvidenceFlow> _evidence = [];
    private readonly HashSet<NetAddress> _clients = [];
    private readonly Dictionary<string, double> _sums = [];

    public long Count { get; private set; }

    public long FirstNanoseconds { get; private set; } = long.MaxValue;

    public long LastNanoseconds { get; private set; } = long.MinValue;

    /// <summary>The first flow added: shown as the finding's flow.</summary>
    public FlowReference? Sample { get; private set; }

    public FlowKey SampleKey { get; private set; }

    public int DistinctClients => _clients.Count;

    public IReadOnlyList<long> Packets => _packets;

    public IReadOnlyList<EvidenceFlow> Evidence => _evidence;

    public double Sum(string name) => _sums.GetValueOrDefault(name);

    public void Add(Flow flow, params ReadOnlySpan<long> packets)
    {
        if (Count++ == 0)
        {
            Sample = FlowText.Reference(flow);
            SampleKey = flow.Key;
        }

        FirstNanoseconds = Math.Min(FirstNanoseconds, flow.FirstNanoseconds);
        LastNanoseconds = Math.Max(LastNanoseconds, flow.LastNanoseconds);
        if (_clients.Count < MaxDistinctClients)
        {
            _clients.Add(flow.OriginatorAddress);
        }

        foreach (long packet in packets)
        {
            // A one-packet flow's first and last frame are the same frame: list it once.
            if (packet > 0 && _packets.Count < MaxSamples && !_packets.Contains(packet))
            {
                _packets.Add(packet);
            }
        }

        if (_evidence.Count < MaxSamples)
        {
            _evidence.Add(new EvidenceFlow(flow.Key, flow.FirstPacketNumber, flow.LastPacketNumber));
        }
    }

    /// <summary>Folds another group into this one (same problem, grouped more coarsely).</summary>
    public void Merge(FlowGroup other)
    {
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            Sample = other.Sample;
            SampleKey = other.SampleKey;
        }

        Count += other.Count;
        FirstNanoseconds = Math.Min(FirstNanoseconds, other.FirstNanoseconds);
        LastNanoseconds = Math.Max(LastNanoseconds, other.LastNanoseconds);
        foreach (NetAddress client in other._clients)
        {
            if (_clients.Count < MaxDistinctClients)
            {
                _clients.Add(client);
            }
        }

        foreach (long packet in other._packets)
        {
            if (_packets.Count < MaxSamples && !_packets.Contains(packet))
            {
                _packets.Add(packet);
            }
        }

        _evidence.AddRange(other._evidence.Take(MaxSamples - _evidence.Count));
        foreach ((string name, double value) in other._sums)
        {
            Accumulate(name, value);
        }
    }

    public void Accumulate(string name, double value) => _sums[name] = _sums.GetValueOrDefault(name) + value;

    /// <summary>The finding with this group's flow, counts, time span, packets and evidence flows filled in.</summary>
    public Finding Describe(Finding finding) => finding with
    {
        Flow = Sample,
        FlowCount = Count,
        Packets = Packets,
        FirstNanoseconds = FirstNanoseconds,
        LastNanoseconds = LastNanoseconds,
        EvidenceFlows = Evidence,
    };
}

/// <summary>How flows and endpoints are written in findings.</summary>
internal static class FlowText
{
    public static FlowReference Reference(Flow flow) =>
        new(IpProtocol.Name(flow.Protocol), Endpoint(flow.OriginatorAddress, flow.OriginatorPort), Endpoint(flow.ResponderAddress, flow.ResponderPort));

    public static string Endpoint(NetAddress address, ushort port) =>
        address.IsIPv4 ? $"{address}:{port}" : $"[{address}]:{port}";

    public static string Server(Flow flow) => Endpoint(flow.ResponderAddress, flow.ResponderPort);

    public static string Client(Flow flow) => Endpoint(flow.OriginatorAddress, flow.OriginatorPort);

    /// <summary>A finding about one flow: the flow, its time span, the packet that shows it, the flow as evidence.</summary>
    public static Finding Describe(Flow flow, long packet, Finding finding) => finding with
    {
        Flow = Reference(flow),
        Packets = [packet],
        FirstNanoseconds = flow.FirstNanoseconds,
        LastNanoseconds = flow.LastNanoseconds,
        EvidenceFlows = [new EvidenceFlow(flow.Key, flow.FirstPacketNumber, flow.LastPacketNumber)],
    };

    public static string AddressField(NetAddress address) => address.IsIPv4 ? "ip" : "ipv6";

    public static string Count(double value, string one, string many) =>
        value == 1 ? $"1 {one}" : $"{value.ToString("N0", CultureInfo.InvariantCulture)} {many}";

    public static string Seconds(double seconds) => seconds.ToString(seconds < 10 ? "0.###" : "0.#", CultureInfo.InvariantCulture) + " s";

    public static string Number(double value) => value.ToString(value == Math.Floor(value) ? "N0" : "0.##", CultureInfo.InvariantCulture);
}
