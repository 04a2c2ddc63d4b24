using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Engine;

/// <summary>
/// One streaming pass over a capture: read each record, decode it, account it to its flow.
/// Memory stays bounded whatever the file size; the stream is read forward only. With two or
/// more cores, reading and decoding run on their own thread, one batch ahead of the analysis.
/// </summary>
public sealed class CaptureAnalyzer
{
    private const int BatchesInFlight = 4;

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
        var producer = new BatchProducer(reader, new PacketDecoder(_options.Fragments));
        var consumer = new BatchConsumer(_options, _observers, _packetObservers, reader.Format);

        if (_options.DecodeOnSeparateThread && Environment.ProcessorCount > 1)
        {
            RunPipelined(producer, consumer, progress, cancellationToken);
        }
        else
        {
            var batch = new DecodedBatch();
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                producer.Fill(batch);
                consumer.Consume(batch, progress);
            }
            while (!batch.IsLast);
        }

        producer.Complete();
        return consumer.Complete(reader, producer.Decoder);
    }

    private static void RunPipelined(BatchProducer producer, BatchConsumer consumer, IProgress<CaptureProgress>? progress, CancellationToken cancellationToken)
    {
        using var free = new BlockingCollection<DecodedBatch>(BatchesInFlight);
        using var full = new BlockingCollection<DecodedBatch>(BatchesInFlight);
        for (int i = 0; i < BatchesInFlight; i++)
        {
            free.Add(new DecodedBatch(), CancellationToken.None);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var thread = new Thread(() => producer.Run(free, full, stop.Token)) { IsBackground = true, Name = "capture decode" };
        thread.Start();
        try
        {
            while (true)
            {
                DecodedBatch batch = full.Take(stop.Token);
                consumer.Consume(batch, progress);
                if (batch.IsLast)
                {
                    break;
                }

                free.Add(batch, stop.Token);
            }
        }
        finally
        {
            // Whatever happened here (done, cancelled, an observer threw), the decoder stops too.
            stop.Cancel();
            thread.Join();
        }
    }

    /// <summary>Reads and decodes packets into batches (one thread).</summary>
    private sealed class BatchProducer(CaptureReader reader, PacketDecoder decoder)
    {
        /// <summary>A batch is closed while this much arena is free: the largest ordinary record plus a reassembled datagram.</summary>
        private const int Reserve = CaptureReader.MaxRecordBytes + 65_536;

        private long _packetNumber;

        public PacketDecoder Decoder => decoder;

        public void Run(BlockingCollection<DecodedBatch> free, BlockingCollection<DecodedBatch> full, CancellationToken stop)
        {
            try
            {
                DecodedBatch batch;
                do
                {
                    batch = free.Take(stop);
                    Fill(batch);
                    full.Add(batch, stop);
                }
                while (!batch.IsLast);
            }
            catch (OperationCanceledException)
            {
                // The analysis side ended first.
            }
        }

        /// <summary>Fills the batch; marks it last at the end of the file, at damage, or on failure.</summary>
        public void Fill(DecodedBatch batch)
        {
            batch.Clear();
            batch.FirstPacketNumber = _packetNumber + 1;
            try
            {
                while (!batch.IsFull && batch.FreeBytes >= Reserve)
                {
                    if (!reader.TryReadPacket(out CapturedPacket record))
                    {
                        batch.IsLast = true;
                        break;
                    }

                    Decode(batch, record);
                }
            }
            catch (CaptureFormatException damage)
            {
                batch.Damage = damage;
                batch.IsLast = true;
            }
            catch (Exception fault) when (fault is not OperationCanceledException)
            {
                batch.Fault = fault;
                batch.IsLast = true;
            }
            finally
            {
                batch.ReaderPosition = reader.Position;
            }
        }

        public void Complete() => decoder.Complete();

        private void Decode(DecodedBatch batch, CapturedPacket record)
        {
            _packetNumber++;
            ArraySegment<byte> frame = batch.Store(record.Data);
            DecodedPacket packet = batch.Packets[batch.Add(record)];
            decoder.Decode(frame, record.LinkType, record.IsTruncated, record.TimestampNanoseconds, packet);
            if (packet.PayloadBuffer is { } buffer && !ReferenceEquals(buffer, frame.Array))
            {
                // A reassembled datagram: the reassembler reuses its buffer, so the batch keeps a copy.
                ArraySegment<byte> copy = batch.Store(packet.Payload.Span);
                packet.SetPayload(copy.Array!, copy.Offset);
            }
        }
    }

    /// <summary>Accounts decoded packets to flows and observers, and gathers the statistics (one thread).</summary>
    private sealed class BatchConsumer
    {
        private readonly CaptureStatistics _statistics;
        private readonly FlowTable _table;
        private readonly FlowCollector _collector;
        private readonly List<IPacketObserver> _packetObservers;
        private long _previousNanoseconds = long.MinValue;
        private long _packets;
        private long _readerPosition;

        public BatchConsumer(CaptureAnalysisOptions options, List<IFlowObserver> observers, List<IPacketObserver> packetObservers, CaptureFormat format)
        {
            _statistics = new CaptureStatistics(options.MalformedExamples) { Format = format };
            _table = new FlowTable(options.Flows);
            _collector = new FlowCollector(options.FlowsRetained);
            _table.AddObserver(_collector);
            foreach (IFlowObserver observer in observers)
            {
                _table.AddObserver(observer);
            }

            _packetObservers = packetObservers;
        }

        public void Consume(DecodedBatch batch, IProgress<CaptureProgress>? progress)
        {
            if (batch.Fault is { } fault)
            {
                // Surface the reading side's failure (e.g. an IOException from the stream) as itself.
                ExceptionDispatchInfo.Capture(fault).Throw();
            }

            for (int i = 0; i < batch.Count; i++)
            {
                long packetNumber = batch.FirstPacketNumber + i;
                long ns = batch.Timestamps[i];
                DecodedPacket packet = batch.Packets[i];
                AccountRecord(ns, batch.CapturedLengths[i], batch.OriginalLengths[i], batch.LinkTypes[i], packetNumber);
                AccountPacket(packet, packetNumber, batch.FileOffsets[i]);
                Flow? flow = _table.Observe(packet, packetNumber, ns);
                PacketInterest kinds = _packetObservers.Count > 0 ? PacketInterests.Of(packet) : PacketInterest.None;
                if (kinds != PacketInterest.None)
                {
                    foreach (IPacketObserver observer in _packetObservers)
                    {
                        if ((observer.Interest & kinds) != 0)
                        {
                            observer.OnPacket(packet, flow, packetNumber, ns);
                        }
                    }
                }
            }

            _packets += batch.Count;
            _readerPosition = batch.ReaderPosition;
            if (batch.Damage is { } damage)
            {
                _statistics.ReadError = damage;
            }

            progress?.Report(new CaptureProgress(batch.ReaderPosition, _packets));
        }

        public CaptureAnalysis Complete(CaptureReader reader, PacketDecoder decoder)
        {
            _table.Complete();
            _statistics.FlushLinkTypeRun();
            _statistics.Interfaces = reader.Interfaces;
            _statistics.FormatDetail = reader.FormatDetail;
            _statistics.InvalidTimestamps = reader.InvalidTimestampCount;
            _statistics.FileBytesRead = _readerPosition;
            return new CaptureAnalysis(_statistics, _collector, decoder.Fragments, _table.UnattributedIcmpErrors, _table.EvictedForCapacity);
        }

        private void AccountRecord(long ns, int capturedLength, int originalLength, int linkType, long packetNumber)
        {
            CaptureStatistics statistics = _statistics;
            statistics.Packets = packetNumber;
            statistics.BytesCaptured += capturedLength;
            statistics.BytesOnWire += originalLength;
            statistics.CountLinkType(linkType);
            if (capturedLength < originalLength)
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
                if (ns < _previousNanoseconds)
                {
                    statistics.OutOfOrderTimestamps++;
                }
            }

            _previousNanoseconds = ns;
        }

        private void AccountPacket(DecodedPacket packet, long packetNumber, long fileOffset)
        {
            CaptureStatistics statistics = _statistics;
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
}
