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
    private readonly FlowLookup _flows;
    private readonly List<IFlowObserver> _observers = [];
    private readonly long _closedLingerNs;
    private readonly long _tcpInactivityNs;
    private readonly long _otherInactivityNs;
    private readonly long _dnsInactivityNs;
    // One list per timeout class, so a sweep stops at the first flow that is still live.
    private readonly FlowLruList _openTcp = new();
    private readonly FlowLruList _closedTcp = new();
    private readonly FlowLruList _other = new();
    private readonly FlowLruList _dns = new();

    // Finished flows are recycled so a capture with millions of flows allocates almost nothing.
    private const int MaxPooledFlows = 4096;
    private readonly Stack<Flow> _pool = new();
    private long _nextId = 1;
    private long _packetsSinceSweep;
    private long _packetNumber;

    public FlowTable(FlowTableOptions? options = null)
    {
        _options = options ?? new FlowTableOptions();
        // The index starts small and doubles as flows arrive: most captures a server analyses
        // are small, and a 2 MB slot array for each would be a large object per analysis.
        _flows = new FlowLookup(expectedFlows: 1_024);
        _closedLingerNs = (long)_options.ClosedTcpLinger.TotalNanoseconds;
        _tcpInactivityNs = (long)_options.TcpInactivity.TotalNanoseconds;
        _otherInactivityNs = (long)_options.OtherInactivity.TotalNanoseconds;
        _dnsInactivityNs = (long)_options.DnsInactivity.TotalNanoseconds;
    }

    public int ActiveFlows => _flows.Count;

    /// <summary>Flows finished early because the table was full.</summary>
    public long EvictedForCapacity { get; private set; }

    /// <summary>ICMP errors whose quoted datagram belongs to no flow seen in this capture.</summary>
    public long UnattributedIcmpErrors { get; private set; }

    public void AddObserver(IFlowObserver observer) => _observers.Add(observer);

    /// <summary>The active flow for <paramref name="key"/>, if any (for diagnostics and tests).</summary>
    public Flow? Find(FlowKey key) => _flows.Find(key, key.GetHashCode());

    /// <summary>Accounts one decoded packet. Returns its flow, or null when it belongs to none.</summary>
    public Flow? Observe(DecodedPacket packet, long packetNumber, long timestampNanoseconds) =>
        Observe(packet, PacketFlowKey.Of(packet), packetNumber, timestampNanoseconds);

    /// <summary>As <see cref="Observe(DecodedPacket, long, long)"/>, with the packet's flow key already worked out.</summary>
    internal Flow? Observe(DecodedPacket packet, in PacketFlowKey flowKey, long packetNumber, long timestampNanoseconds)
    {
        _packetNumber = packetNumber;
        if (++_packetsSinceSweep >= _options.SweepIntervalPackets)
        {
            _packetsSinceSweep = 0;
            Sweep(timestampNanoseconds);
        }

        if (!flowKey.HasFlow)
        {
            return null;
        }

        byte protocol = packet.Protocol;
        if (packet.IsIcmp && packet.HasQuotedDatagram)
        {
            AttributeIcmpError(packet, packetNumber, timestampNanoseconds);
        }

        FlowKey key = flowKey.Key;
        bool sourceIsA = flowKey.SourceIsA;
        Flow? flow = _flows.Find(key, flowKey.Hash);
        if (flow is null)
        {
            flow = Create(key, flowKey.Hash, packet, sourceIsA, packetNumber, timestampNanoseconds);
        }
        else if (protocol == IpProtocol.Tcp && packet.HasTcpHeader && StartsNewConnection(flow, packet, sourceIsA))
        {
            Finish(flow);
            flow = Create(key, flowKey.Hash, packet, sourceIsA, packetNumber, timestampNanoseconds);
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

        Touch(flow);
        return flow;
    }

    /// <summary>Finishes every remaining flow (end of capture).</summary>
    public void Complete()
    {
        foreach (FlowLruList list in new[] { _openTcp, _closedTcp, _dns, _other })
        {
            while (list.Oldest is { } flow)
            {
                Finish(flow);
            }
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
    }

    private Flow Create(FlowKey key, int hash, DecodedPacket packet, bool sourceIsA, long packetNumber, long timestampNanoseconds)
    {
        bool originatorIsA = SourceLooksLikeOriginator(packet) ? sourceIsA : !sourceIsA;
        Flow flow = _pool.Count > 0 ? _pool.Pop() : new Flow();
        flow.Initialize(_nextId++, key, originatorIsA, packetNumber, timestampNanoseconds);
        if (!SourceLooksLikeOriginator(packet) && packet.Protocol == IpProtocol.Tcp && (packet.Flags & TcpFlags.Syn) != 0)
        {
            flow.History.Add('^', byOriginator: true);
        }

        if (_flows.Count >= _options.MaxActiveFlows && LeastValuable() is { } victim)
        {
            EvictedForCapacity++;
            Finish(victim);
        }

        _flows.Add(flow, hash);
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
        if (_flows.Find(quoted, quoted.GetHashCode()) is { } offended)
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
        SweepList(_closedTcp, nowNanoseconds - _closedLingerNs, untouchedBefore);
        SweepList(_dns, nowNanoseconds - _dnsInactivityNs, untouchedBefore);
        SweepList(_other, nowNanoseconds - _otherInactivityNs, untouchedBefore);
        SweepList(_openTcp, nowNanoseconds - _tcpInactivityNs, untouchedBefore);
    }

    private void SweepList(FlowLruList list, long idleBeforeNanoseconds, long untouchedBefore)
    {
        while (list.Oldest is { } flow && flow.LastTouchedPacketNumber < untouchedBefore && flow.LastNanoseconds < idleBeforeNanoseconds)
        {
            Finish(flow);
        }
    }

    /// <summary>The flow to give up when the table is full: closed ones first, open TCP last.</summary>
    private Flow? LeastValuable() => _closedTcp.Oldest ?? _dns.Oldest ?? _other.Oldest ?? _openTcp.Oldest;

    private void Finish(Flow flow)
    {
        _flows.Remove(flow.Key, flow.Key.GetHashCode());
        flow.List?.Remove(flow);
        foreach (IFlowObserver observer in _observers)
        {
            observer.OnFlowFinished(flow);
        }

        if (_pool.Count < MaxPooledFlows)
        {
            _pool.Push(flow);
        }
    }

    private static bool IsDns(Flow flow) => flow.Protocol == IpProtocol.Udp && (flow.Key.PortA == 53 || flow.Key.PortB == 53);

    /// <summary>Moves the flow to the newest end of the list for its (possibly new) timeout class.</summary>
    private void Touch(Flow flow)
    {
        flow.LastTouchedPacketNumber = _packetNumber;
        FlowLruList target = flow.IsTcp ? (flow.IsClosed ? _closedTcp : _openTcp) : IsDns(flow) ? _dns : _other;
        if (ReferenceEquals(flow.List, target) && target.IsNewest(flow))
        {
            return;
        }

        flow.List?.Remove(flow);
        target.Append(flow);
    }
}
