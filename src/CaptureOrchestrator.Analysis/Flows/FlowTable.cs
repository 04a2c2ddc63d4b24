using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Tracks bidirectional flows packet by packet. Memory is bounded: finished flows (closed and
/// idle, inactive, or least recently used beyond <see cref="FlowTableOptions.MaxActiveFlows"/>)
/// are handed to the observers and dropped.
/// </summary>
public sealed class FlowTable
{
    private readonly FlowTableOptions _options;
    private readonly Dictionary<FlowKey, Flow> _flows;
    private readonly List<IFlowObserver> _observers = [];
    private readonly long _closedLingerNs;
    private readonly long _tcpInactivityNs;
    private readonly long _otherInactivityNs;
    private Flow? _oldest;
    private Flow? _newest;
    private long _nextId = 1;
    private long _packetsSinceSweep;
    private long _packetNumber;

    public FlowTable(FlowTableOptions? options = null)
    {
        _options = options ?? new FlowTableOptions();
        _flows = new Dictionary<FlowKey, Flow>(Math.Min(_options.MaxActiveFlows, 65_536));
        _closedLingerNs = (long)_options.ClosedTcpLinger.TotalNanoseconds;
        _tcpInactivityNs = (long)_options.TcpInactivity.TotalNanoseconds;
        _otherInactivityNs = (long)_options.OtherInactivity.TotalNanoseconds;
    }

    public int ActiveFlows => _flows.Count;

    /// <summary>Flows finished early because the table was full.</summary>
    public long EvictedForCapacity { get; private set; }

    /// <summary>ICMP errors whose quoted datagram belongs to no flow seen in this capture.</summary>
    public long UnattributedIcmpErrors { get; private set; }

    public void AddObserver(IFlowObserver observer) => _observers.Add(observer);

    /// <summary>The active flow for <paramref name="key"/>, if any (for diagnostics and tests).</summary>
    public Flow? Find(FlowKey key) => _flows.GetValueOrDefault(key);

    /// <summary>Accounts one decoded packet. Returns its flow, or null when it belongs to none.</summary>
    public Flow? Observe(DecodedPacket packet, long packetNumber, long timestampNanoseconds)
    {
        _packetNumber = packetNumber;
        if (++_packetsSinceSweep >= _options.SweepIntervalPackets)
        {
            _packetsSinceSweep = 0;
            Sweep(timestampNanoseconds);
        }

        if (!packet.HasIp)
        {
            return null;
        }

        byte protocol = packet.Protocol;
        if ((protocol == IpProtocol.Tcp || protocol == IpProtocol.Udp) && !packet.HasTransport)
        {
            return null; // a later fragment whose first fragment (with the ports) was not seen
        }

        if (packet.IsIcmp && packet.HasQuotedDatagram)
        {
            AttributeIcmpError(packet, packetNumber, timestampNanoseconds);
        }

        ushort sourcePort = packet.SourcePort;
        ushort destinationPort = packet.DestinationPort;
        FlowKey key = FlowKey.Create(packet.Source, sourcePort, packet.Destination, destinationPort, protocol, out bool sourceIsA);

        if (!_flows.TryGetValue(key, out Flow? flow))
        {
            flow = Create(key, packet, sourceIsA, packetNumber, timestampNanoseconds);
        }
        else if (protocol == IpProtocol.Tcp && packet.HasTcpHeader && StartsNewConnection(flow, packet, sourceIsA))
        {
            Finish(flow);
            flow = Create(key, packet, sourceIsA, packetNumber, timestampNanoseconds);
        }
        else
        {
            Touch(flow);
        }

        bool fromOriginator = sourceIsA == flow.OriginatorIsA;
        if (protocol == IpProtocol.Tcp && packet.HasTcpHeader && !fromOriginator && ShouldFlipOnSyn(flow, packet))
        {
            flow.Flip();
            fromOriginator = true;
        }

        flow.LastPacketNumber = packetNumber;
        flow.PreviousPacketNanoseconds = flow.TotalPackets == 0 ? timestampNanoseconds : flow.LastNanoseconds;
        flow.LastNanoseconds = Math.Max(flow.LastNanoseconds, timestampNanoseconds);
        if (packet.IsFragment)
        {
            flow.FragmentFrames++;
        }

        ref FlowDirection sender = ref fromOriginator ? ref flow.Originator : ref flow.Responder;
        ref FlowDirection receiver = ref fromOriginator ? ref flow.Responder : ref flow.Originator;
        sender.Packets++;
        sender.IpBytes += packet.IpLength;
        if (sender.Packets == 1)
        {
            sender.FirstNanoseconds = timestampNanoseconds;
        }

        sender.LastNanoseconds = timestampNanoseconds;
        if (packet.DontFragment)
        {
            sender.DontFragmentPackets++;
        }

        if (protocol == IpProtocol.Tcp && packet.HasTcpHeader)
        {
            TcpSegmentAnalyzer.Observe(flow, ref sender, ref receiver, fromOriginator, packet, packetNumber, timestampNanoseconds);
        }
        else
        {
            AddPayload(ref sender, packet.PayloadLength, timestampNanoseconds);
        }

        return flow;
    }

    /// <summary>Finishes every remaining flow (end of capture).</summary>
    public void Complete()
    {
        while (_oldest is not null)
        {
            Finish(_oldest);
        }
    }

    internal static void AddPayload(ref FlowDirection sender, int payloadLength, long timestampNanoseconds)
    {
        if (payloadLength <= 0)
        {
            return;
        }

        sender.PayloadBytes += payloadLength;
        sender.LargestSegment = Math.Max(sender.LargestSegment, payloadLength);
        if (sender.FirstPayloadNanoseconds == 0)
        {
            sender.FirstPayloadNanoseconds = timestampNanoseconds;
        }

        sender.LastPayloadNanoseconds = timestampNanoseconds;
    }

    private Flow Create(FlowKey key, DecodedPacket packet, bool sourceIsA, long packetNumber, long timestampNanoseconds)
    {
        bool originatorIsA = SourceLooksLikeOriginator(packet) ? sourceIsA : !sourceIsA;
        var flow = new Flow(_nextId++, key, originatorIsA, packetNumber, timestampNanoseconds);
        if (!SourceLooksLikeOriginator(packet) && packet.Protocol == IpProtocol.Tcp && (packet.Flags & TcpFlags.Syn) != 0)
        {
            flow.History.Add('^', byOriginator: true);
        }

        if (_flows.Count >= _options.MaxActiveFlows && _oldest is not null)
        {
            EvictedForCapacity++;
            Finish(_oldest);
        }

        _flows.Add(key, flow);
        Append(flow);
        return flow;
    }

    /// <summary>Decides who opened the conversation from its first packet seen.</summary>
    private static bool SourceLooksLikeOriginator(DecodedPacket packet)
    {
        if (packet.Protocol == IpProtocol.Tcp && packet.HasTcpHeader)
        {
            TcpFlags flags = packet.Flags;
            if ((flags & TcpFlags.Syn) != 0)
            {
                return (flags & TcpFlags.Ack) == 0; // SYN opens; SYN-ACK answers
            }
        }

        if (packet.IsIcmp)
        {
            // Echo replies and errors answer someone else.
            bool v6 = packet.IpVersion == 6;
            byte type = packet.IcmpType;
            return v6 ? type is not (129 or 1 or 2 or 3 or 4) : type is not (0 or 3 or 4 or 5 or 11 or 12);
        }

        return !(ServicePorts.IsLikelyServer(packet.SourcePort) && !ServicePorts.IsLikelyServer(packet.DestinationPort));
    }

    /// <summary>A SYN from the side we took for the responder, before the originator sent one: we guessed wrong.</summary>
    private static bool ShouldFlipOnSyn(Flow flow, DecodedPacket packet) =>
        (packet.Flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn && !flow.Originator.SynSeen && flow.Originator.Packets == 0;

    /// <summary>A fresh SYN on a 5-tuple whose previous connection already closed: port reuse.</summary>
    private static bool StartsNewConnection(Flow flow, DecodedPacket packet, bool sourceIsA)
    {
        if ((packet.Flags & (TcpFlags.Syn | TcpFlags.Ack)) != TcpFlags.Syn || !flow.IsClosed)
        {
            return false;
        }

        bool fromOriginator = sourceIsA == flow.OriginatorIsA;
        ref readonly FlowDirection sender = ref fromOriginator ? ref flow.Originator : ref flow.Responder;
        return !sender.SynSeen || sender.InitialSequence != packet.Sequence;
    }

    private void AttributeIcmpError(DecodedPacket packet, long packetNumber, long timestampNanoseconds)
    {
        FlowKey quoted = FlowKey.Create(packet.QuotedSource, packet.QuotedSourcePort, packet.QuotedDestination, packet.QuotedDestinationPort, packet.QuotedProtocol, out _);
        if (_flows.TryGetValue(quoted, out Flow? offended))
        {
            offended.AddIcmpError(new IcmpErrorEvent(packetNumber, timestampNanoseconds, packet.Source, packet.IpVersion, packet.IcmpType, packet.IcmpCode, packet.IcmpMtu));
        }
        else
        {
            UnattributedIcmpErrors++;
        }
    }

    private void Sweep(long nowNanoseconds)
    {
        long untouchedBefore = _packetNumber - _options.MinimumPacketsBeforeEviction;
        Flow? flow = _oldest;
        while (flow is not null && flow.LastTouchedPacketNumber < untouchedBefore)
        {
            Flow? next = flow.Newer;
            long idle = nowNanoseconds - flow.LastNanoseconds;
            long limit = !flow.IsTcp ? _otherInactivityNs : flow.IsClosed ? _closedLingerNs : _tcpInactivityNs;
            if (idle > limit)
            {
                Finish(flow);
            }

            flow = next;
        }
    }

    private void Finish(Flow flow)
    {
        _flows.Remove(flow.Key);
        Unlink(flow);
        foreach (IFlowObserver observer in _observers)
        {
            observer.OnFlowFinished(flow);
        }
    }

    private void Touch(Flow flow)
    {
        flow.LastTouchedPacketNumber = _packetNumber;
        if (_newest == flow)
        {
            return;
        }

        Unlink(flow);
        Append(flow);
    }

    private void Append(Flow flow)
    {
        flow.LastTouchedPacketNumber = _packetNumber;
        flow.Older = _newest;
        flow.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = flow;
        }

        _newest = flow;
        _oldest ??= flow;
    }

    private void Unlink(Flow flow)
    {
        if (flow.Older is not null)
        {
            flow.Older.Newer = flow.Newer;
        }
        else if (_oldest == flow)
        {
            _oldest = flow.Newer;
        }

        if (flow.Newer is not null)
        {
            flow.Newer.Older = flow.Older;
        }
        else if (_newest == flow)
        {
            _newest = flow.Older;
        }

        flow.Older = flow.Newer = null;
    }
}
