using System.Globalization;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Server.Sandbox;

/// <summary>
/// What the Network Watcher agent keeps of the traffic, applied to a sample: a packet is kept when
/// it matches one of the session's filters in either direction (local = the VM's side). Each field
/// is one value, one range (a-b) or a ';' list, as the filter's API documents; an absent field
/// matches anything, and a session without filters keeps everything. So a sandbox capture whose
/// filter names one conversation reports on that conversation, as a real one would.
/// </summary>
internal sealed class NetworkWatcherFilter
{
    private readonly List<Rule> _rules;

    private NetworkWatcherFilter(List<Rule> rules) => _rules = rules;

    /// <summary>The filters of a packet capture's properties (absent or empty: keep everything).</summary>
    public static NetworkWatcherFilter From(JsonObject properties)
    {
        var rules = new List<Rule>();
        if (properties["filters"] is JsonArray filters)
        {
            foreach (JsonObject filter in filters.OfType<JsonObject>())
            {
                rules.Add(new Rule(
                    filter["protocol"]?.GetValue<string>() ?? "Any",
                    Values(filter["localIPAddress"]),
                    Values(filter["remoteIPAddress"]),
                    Values(filter["localPort"]),
                    Values(filter["remotePort"])));
            }
        }

        return new NetworkWatcherFilter(rules);
    }

    /// <summary>The packets of <paramref name="pcap"/> the session would have kept, as a pcap file.</summary>
    public byte[] Apply(byte[] pcap)
    {
        if (_rules.Count == 0)
        {
            return pcap;
        }

        using CaptureReader reader = CaptureReader.Open(new MemoryStream(pcap), leaveOpen: false);
        var decoder = new PacketDecoder();
        var packet = new DecodedPacket();
        using var kept = new MemoryStream();
        using (var writer = new PcapWriter(kept, leaveOpen: true))
        {
            while (reader.TryReadPacket(out CapturedPacket record))
            {
                decoder.Decode(record.Memory, record.LinkType, record.IsTruncated, record.TimestampNanoseconds, packet);
                if (packet.HasIp && _rules.Any(rule => rule.Keeps(packet)))
                {
                    writer.WritePacket(record.TimestampNanoseconds, record.Data, record.OriginalLength);
                }
            }
        }

        return kept.ToArray();
    }

    private static string? Values(JsonNode? node) => node?.GetValue<string>() is { Length: > 0 } text ? text : null;

    private sealed record Rule(string Protocol, string? LocalAddress, string? RemoteAddress, string? LocalPort, string? RemotePort)
    {
        public bool Keeps(DecodedPacket packet) =>
            ProtocolMatches(packet.Protocol)
            && ((Matches(LocalAddress, packet.Source.ToString()) && Matches(RemoteAddress, packet.Destination.ToString()) && Matches(LocalPort, packet.SourcePort) && Matches(RemotePort, packet.DestinationPort))
                || (Matches(LocalAddress, packet.Destination.ToString()) && Matches(RemoteAddress, packet.Source.ToString()) && Matches(LocalPort, packet.DestinationPort) && Matches(RemotePort, packet.SourcePort)));

        private bool ProtocolMatches(byte protocol) => Protocol.ToUpperInvariant() switch
        {
            "TCP" => protocol == IpProtocol.Tcp,
            "UDP" => protocol == IpProtocol.Udp,
            _ => true,
        };

        private static bool Matches(string? values, string address) =>
            values is null || values.Split(';', StringSplitOptions.RemoveEmptyEntries).Any(v => v == address)
            || (values.Split('-') is [var low, var high] && InRange(address, low, high));

        private static bool Matches(string? values, ushort port) =>
            values is null
            || (values.Split('-') is [var low, var high]
                ? ushort.TryParse(low, CultureInfo.InvariantCulture, out ushort from) && ushort.TryParse(high, CultureInfo.InvariantCulture, out ushort to) && port >= from && port <= to
                : values.Split(';', StringSplitOptions.RemoveEmptyEntries).Any(v => v == port.ToString(CultureInfo.InvariantCulture)));

        private static bool InRange(string address, string low, string high) =>
            System.Net.IPAddress.TryParse(address, out System.Net.IPAddress? a) && System.Net.IPAddress.TryParse(low, out System.Net.IPAddress? l) && System.Net.IPAddress.TryParse(high, out System.Net.IPAddress? h)
            && a.AddressFamily == l.AddressFamily && Compare(a, l) >= 0 && Compare(a, h) <= 0;

        private static int Compare(System.Net.IPAddress x, System.Net.IPAddress y) => x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
    }
}
