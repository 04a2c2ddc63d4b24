using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Engine;

/// <summary>
/// One streaming pass over a capture: read each record, decode it, account it to its flow.
/// Memory stays bounded whatever the file size; the stream is read forward only.
/// </summary>
public sealed class CaptureAnalyzer
{
    private const int ProgressIntervalPackets = 65_536;

    private readonly CaptureAnalysisOptions _options;
    private readonly List<IFlowObserver> _observers = [];
    private readonly List<IPacketObserver> _packetObservers = [];

    public CaptureAnalyzer(CaptureAnalysisOptions? options = null)
    {
        _options = options ?? new CaptureAnalysisOptions();
    }

    /// <summary>Adds an observer that sees every finished flow (e.g. a diagnosis rule).</summary>
    public CaptureAnalyzer AddObserver(IFlowObserver observer)
    {
        _observers.Add(observer);
        return this;
    }

    /// <summary>Adds an observer that sees every decoded packet with its flow.</summary>
    public CaptureAnalyzer AddPacketObserver(IPacketObserver observer)
    {
        _packetObservers.Add(observer);
        return this;
    }

    /// <exception cref="CaptureFormatException">The file header is unreadable (nothing could be analysed).</exception>
    public CaptureAnalysis Analyze(Stream stream, IProgress<CaptureProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using CaptureReader reader = CaptureReader.Open(stream, leaveOpen: true);
        var statistics = new CaptureStatistics(_options.MalformedExamples) { Format = reader.Format };
        var decoder = new PacketDecoder(_options.Fragments);
        var table = new FlowTable(_options.Flows);
        var collector = new FlowCollector(_options.FlowsRetained);
        table.AddObserver(collector);
        foreach (IFlowObserver observer in _observers)
        {
            table.AddObserver(observer);
        }

        var packet = new DecodedPacket();
        long packetNumber = 0;
        long previousNs = long.MinValue;
        try
        {
            while (reader.TryReadPacket(out CapturedPacket record))
            {
                packetNumber++;
                long ns = record.TimestampNanoseconds;
                Account(statistics, record, packetNumber, ref previousNs);
                decoder.Decode(record.Memory, record.LinkType, record.IsTruncated, ns, packet);
                Account(statistics, packet, packetNumber, record.FileOffset);
                Flow? flow = table.Observe(packet, packetNumber, ns);
                foreach (IPacketObserver observer in _packetObservers)
                {
                    observer.OnPacket(packet, flow, packetNumber, ns);
                }

                if (packetNumber % ProgressIntervalPackets == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(new CaptureProgress(reader.Position, packetNumber));
                }
            }
        }
        catch (CaptureFormatException damage)
        {
            statistics.ReadError = damage;
        }

        decoder.Complete();
        table.Complete();
        statistics.Interfaces = reader.Interfaces;
        statistics.FormatDetail = reader.FormatDetail;
        statistics.InvalidTimestamps = reader.InvalidTimestampCount;
        statistics.FileBytesRead = reader.Position;
        progress?.Report(new CaptureProgress(reader.Position, packetNumber));
        return new CaptureAnalysis(statistics, collector, decoder.Fragments, table.UnattributedIcmpErrors, table.EvictedForCapacity);
    }

    private static void Account(CaptureStatistics statistics, CapturedPacket record, long packetNumber, ref long previousNs)
    {
        long ns = record.TimestampNanoseconds;
        statistics.Packets = packetNumber;
        statistics.BytesCaptured += record.Data.Length;
        statistics.BytesOnWire += record.OriginalLength;
        statistics.CountLinkType(record.LinkType);
        if (record.IsTruncated)
        {
            statistics.TruncatedPackets++;
        }

        if (packetNumber == 1)
        {
            statistics.FirstNanoseconds = statistics.LastNanoseconds = ns;
        }
        else
        {
            statistics.FirstNanoseconds = Math.Min(statistics.FirstNanoseconds, ns);
            statistics.LastNanoseconds = Math.Max(statistics.LastNanoseconds, ns);
            if (ns < previousNs)
            {
                statistics.OutOfOrderTimestamps++;
            }
        }

        previousNs = ns;
    }

    private static void Account(CaptureStatistics statistics, DecodedPacket packet, long packetNumber, long fileOffset)
    {
        if (packet.Malformed != MalformedReason.None)
        {
            statistics.CountMalformed(packetNumber, fileOffset, packet.Malformed, packet.MalformedDetail);
        }

        if (packet.HeaderTruncatedByCapture)
        {
            statistics.HeadersCutBySnapLength++;
        }

        if (packet.VlanCount > 0)
        {
            statistics.VlanTaggedPackets++;
        }

        switch (packet.Tunnel)
        {
            case TunnelKind.Gre: statistics.GrePackets++; break;
            case TunnelKind.Vxlan: statistics.VxlanPackets++; break;
            case TunnelKind.Erspan: statistics.ErspanPackets++; break;
            case TunnelKind.IpInIp: statistics.IpInIpPackets++; break;
        }

        if (!packet.HasIp)
        {
            if (packet.Malformed == MalformedReason.None && !packet.HeaderTruncatedByCapture)
            {
                statistics.NonIpPackets++;
            }

            return;
        }

        statistics.IpPackets++;
        if (packet.IpVersion == 6)
        {
            statistics.Ipv6Packets++;
        }

        if (packet.IsEsp)
        {
            statistics.EspPackets++;
        }
        else if (packet.IsIke)
        {
            statistics.IkePackets++;
        }
        else if (packet.IsNatKeepalive)
        {
            statistics.NatKeepalivePackets++;
        }

        if (packet.HasTcpHeader)
        {
            TcpFlags flags = packet.Flags;
            if ((flags & TcpFlags.Rst) != 0)
            {
                statistics.TcpResetPackets++;
            }

            if ((flags & TcpFlags.Syn) != 0)
            {
                if ((flags & TcpFlags.Ack) != 0)
                {
                    statistics.TcpSynAckPackets++;
                }
                else
                {
                    statistics.TcpSynPackets++;
                }
            }
        }
        else if (packet.IsIcmp)
        {
            if (packet.IpVersion == 4 && packet.IcmpType == 3)
            {
                statistics.IcmpUnreachable++;
                if (packet.IcmpCode == 4)
                {
                    statistics.IcmpFragmentationNeeded++;
                }
            }
            else if (packet.IpVersion == 6 && packet.IcmpType == 1)
            {
                statistics.IcmpUnreachable++;
            }
            else if (packet.IpVersion == 6 && packet.IcmpType == 2)
            {
                statistics.Icmpv6PacketTooBig++;
            }
        }
    }
}
