using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Reporting.Html;

/// <summary>What one packet of a ladder is, for its colour.</summary>
public enum LadderEventKind
{
    Handshake,
    Data,
    Retransmission,
    Close,
    Reset,
    IcmpError,
}

/// <summary>One arrow of a ladder diagram: a packet of the flow, or an ICMP error about it.</summary>
/// <param name="Frame">Frame number in the capture (1-based, as Wireshark numbers them).</param>
/// <param name="Seconds">Time since the flow's first packet.</param>
/// <param name="FromClient">Drawn from the client's line to the server's; false for the other way (and for ICMP errors, which come from the path).</param>
/// <param name="Label">What Wireshark's flow graph would print: flags, length, what the ICMP message says.</param>
public sealed record LadderEvent(long Frame, double Seconds, bool FromClient, LadderEventKind Kind, string Label);

/// <summary>A failing flow as a sequence diagram: the packets between client and server on a time axis.</summary>
/// <param name="Finding">The finding whose evidence the flow is.</param>
/// <param name="More">Packets of the flow not drawn (the diagram keeps the first ones).</param>
public sealed record LadderDiagram(string Finding, string Protocol, string Client, string Server, IReadOnlyList<LadderEvent> Events, int More);

/// <summary>
/// Draws the flows behind the findings as ladders, like Wireshark's flow graph, from a second pass
/// over the capture. Only the first flows of the findings that are not context (errors and
/// warnings, most serious first) are drawn, and the first packets of each: enough to see the
/// handshake, the resends and how it ended. Feed it packets in capture order through
/// <see cref="Observe"/> (the evidence pass does: <see cref="Writing.EvidenceWriter"/>), or let
/// <see cref="Collect"/> read the capture itself.
/// </summary>
public sealed class LadderCollector
{
    public const int DefaultMaxFlows = 8;
    public const int DefaultMaxEvents = 40;

    private readonly Dictionary<FlowKey, Drawing> _wanted = [];
    private readonly int _maxEvents;

    public LadderCollector(IEnumerable<Finding> findings, int maxFlows = DefaultMaxFlows, int maxEvents = DefaultMaxEvents)
    {
        _maxEvents = maxEvents;

        // The first evidence flows of each finding that is not context, most serious first.
        foreach (Finding finding in findings.Where(f => f.Severity > FindingSeverity.Info).OrderByDescending(f => f.Severity))
        {
            foreach (EvidenceFlow flow in finding.EvidenceFlows.Take(2))
            {
                if (_wanted.Count < maxFlows && !_wanted.ContainsKey(flow.Key))
                {
                    _wanted[flow.Key] = new Drawing(finding.Code, flow);
                }
            }
        }
    }

    /// <summary>There is a flow to draw; without one, no pass over the capture is needed.</summary>
    public bool HasFlows => _wanted.Count > 0;

    /// <summary>Reads <paramref name="capture"/> once and draws the flows behind <paramref name="findings"/>.</summary>
    public static IReadOnlyList<LadderDiagram> Collect(Stream capture, IEnumerable<Finding> findings, int maxFlows = DefaultMaxFlows, int maxEvents = DefaultMaxEvents)
    {
        var ladders = new LadderCollector(findings, maxFlows, maxEvents);
        if (!ladders.HasFlows)
        {
            return [];
        }

        using CaptureReader reader = CaptureReader.Open(capture, leaveOpen: true);
        var decoder = new PacketDecoder();
        var packet = new DecodedPacket();
        long number = 0;
        try
        {
            while (reader.TryReadPacket(out CapturedPacket record))
            {
                decoder.Decode(record.Memory, record.LinkType, record.IsTruncated, record.TimestampNanoseconds, packet);
                ladders.Observe(++number, record.TimestampNanoseconds, packet);
            }
        }
        catch (CaptureFormatException)
        {
            // The analysis already reported the damage; the ladders show what precedes it.
        }

        return ladders.Diagrams();
    }

    /// <summary>One decoded packet, in capture order: a packet of a drawn flow, or an ICMP error quoting one.</summary>
    /// <param name="number">Its frame number (1-based).</param>
    /// <param name="timestampNanoseconds">Its capture time.</param>
    /// <param name="packet">The packet, decoded.</param>
    public void Observe(long number, long timestampNanoseconds, DecodedPacket packet)
    {
        if (!packet.HasIp)
        {
            return;
        }

        if (packet.IsIcmp && packet.HasQuotedDatagram)
        {
            FlowKey quoted = FlowKey.Create(packet.QuotedSource, packet.QuotedSourcePort, packet.QuotedDestination, packet.QuotedDestinationPort, packet.QuotedProtocol, out _);
            if (_wanted.TryGetValue(quoted, out Drawing? offended))
            {
                offended.AddIcmp(number, timestampNanoseconds, packet, _maxEvents);
            }

            return;
        }

        FlowKey key = FlowKey.Create(packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort, packet.Protocol, out _);
        if (_wanted.TryGetValue(key, out Drawing? drawing) && number >= drawing.Evidence.FirstPacket && number <= drawing.Evidence.LastPacket)
        {
            drawing.Add(number, timestampNanoseconds, packet, _maxEvents);
        }
    }

    /// <summary>The ladders drawn so far (flows with at least one packet seen).</summary>
    public IReadOnlyList<LadderDiagram> Diagrams() => [.. _wanted.Values.Where(d => d.Events.Count > 0).Select(d => d.ToDiagram())];

    /// <summary>The ladder of one flow while the capture is read.</summary>
    private sealed class Drawing(string finding, EvidenceFlow evidence)
    {
        // Sequence number after the last new byte each side sent (null before its first segment).
        private uint? _clientSentUpTo;
        private uint? _serverSentUpTo;
        private NetAddress _client;
        private ushort _clientPort;
        private NetAddress _server;
        private ushort _serverPort;
        private long _firstNs = -1;
        private int _more;
        private byte _protocol;

        public EvidenceFlow Evidence { get; } = evidence;

        public List<LadderEvent> Events { get; } = [];

        public void Add(long frame, long nanoseconds, DecodedPacket packet, int maxEvents)
        {
            if (_firstNs < 0)
            {
                // The side that sent the first packet is the client, unless that packet answers a SYN.
                bool answer = packet.HasTcpHeader && (packet.Flags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack);
                (_client, _clientPort, _server, _serverPort) = answer
                    ? (packet.Destination, packet.DestinationPort, packet.Source, packet.SourcePort)
                    : (packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort);
                _firstNs = nanoseconds;
                _protocol = packet.Protocol;
            }

            if (Events.Count >= maxEvents)
            {
                _more++;
                return;
            }

            bool fromClient = packet.Source == _client && packet.SourcePort == _clientPort;
            (LadderEventKind kind, string label) = packet.HasTcpHeader ? Tcp(packet, fromClient) : (LadderEventKind.Data, $"{IpProtocol.Name(packet.Protocol)} len={packet.PayloadLength}");
            Events.Add(new LadderEvent(frame, Seconds(nanoseconds), fromClient, kind, label));
        }

        public void AddIcmp(long frame, long nanoseconds, DecodedPacket packet, int maxEvents)
        {
            if (_firstNs < 0 || Events.Count >= maxEvents)
            {
                return; // an error about a flow not drawn yet (or any more) has nothing to point at
            }

            string meaning = IcmpMessages.Describe(packet.IpVersion, packet.IcmpType, packet.IcmpCode) + (packet.IcmpMtu > 0 ? $" (MTU {packet.IcmpMtu})" : string.Empty);
            Events.Add(new LadderEvent(frame, Seconds(nanoseconds), FromClient: false, LadderEventKind.IcmpError, $"ICMP from {packet.Source}: {meaning}"));
        }

        public LadderDiagram ToDiagram() =>
            new(finding, IpProtocol.Name(_protocol), Endpoint(_client, _clientPort), Endpoint(_server, _serverPort), Events, _more);

        private (LadderEventKind, string) Tcp(DecodedPacket packet, bool fromClient)
        {
            TcpFlags flags = packet.Flags;
            int length = packet.PayloadLength;
            uint end = packet.Sequence + (uint)length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
            ref uint? sentUpTo = ref fromClient ? ref _clientSentUpTo : ref _serverSentUpTo;
            bool resent = (length > 0 || (flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0)
                && sentUpTo is uint sent && !SequenceMath.Greater(end, sent);
            if (sentUpTo is not uint before || SequenceMath.Greater(end, before))
            {
                sentUpTo = end;
            }

            string names = FlagNames(flags) + (length > 0 ? $" len={length}" : string.Empty);
            LadderEventKind kind = (flags & TcpFlags.Rst) != 0 ? LadderEventKind.Reset
                : resent ? LadderEventKind.Retransmission
                : (flags & TcpFlags.Syn) != 0 ? LadderEventKind.Handshake
                : (flags & TcpFlags.Fin) != 0 ? LadderEventKind.Close
                : LadderEventKind.Data;
            return (kind, resent ? $"{names} (retransmission)" : names);
        }

        private double Seconds(long nanoseconds) => (nanoseconds - _firstNs) / 1e9;

        private static string Endpoint(NetAddress address, ushort port) => address.IsIPv4 ? $"{address}:{port}" : $"[{address}]:{port}";

        private static string FlagNames(TcpFlags flags)
        {
            var names = new List<string>(4);
            foreach ((TcpFlags flag, string name) in (ReadOnlySpan<(TcpFlags, string)>)[(TcpFlags.Syn, "SYN"), (TcpFlags.Fin, "FIN"), (TcpFlags.Rst, "RST"), (TcpFlags.Psh, "PSH"), (TcpFlags.Ack, "ACK")])
            {
                if ((flags & flag) != 0)
                {
                    names.Add(name);
                }
            }

            return names.Count == 0 ? "(no flags)" : string.Join(", ", names);
        }
    }
}
