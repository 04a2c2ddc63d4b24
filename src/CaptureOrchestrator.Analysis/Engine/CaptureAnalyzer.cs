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
        var statistics = new CaptureStatistics(_options.MalformedExamples) { Format = reader.Format };
        var producer = new BatchProducer(reader, new PacketDecoder(_options.Fragments), new CaptureAccounting(statistics), _packetObservers.Count > 0);
        var consumer = new BatchConsumer(_options, _observers, _packetObservers, statistics);

        if (_options.DecodeOnSeparateThread && Environment.ProcessorCount > 1)
        {
            RunPipelined(producer, consumer, progress, cancellationToken);
        }
        else
        {
            DecodedBatch batch = DecodedBatch.Rent();
            try
            {
                do
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    producer.Fill(batch);
                    consumer.Consume(batch, progress);
                }
                while (!batch.IsLast);
            }
            finally
            {
                DecodedBatch.Return(batch);
            }
        }

        producer.Complete();
        return consumer.Complete(reader, producer.Decoder);
    }

    private static void RunPipelined(BatchProducer producer, BatchConsumer consumer, IProgress<CaptureProgress>? progress, CancellationToken cancellationToken)
    {
        using var free = new BlockingCollection<DecodedBatch>(BatchesInFlight);
        using var full = new BlockingCollection<DecodedBatch>(BatchesInFlight);
        var batches = new DecodedBatch[BatchesInFlight];
        for (int i = 0; i < BatchesInFlight; i++)
        {
            batches[i] = DecodedBatch.Rent();
            free.Add(batches[i], CancellationToken.None);
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
            foreach (DecodedBatch batch in batches)
            {
                DecodedBatch.Return(batch);
            }
        }
    }

    /// <summary>Reads and decodes packets into batches (one thread).</summary>
    private sealed class BatchProducer(CaptureReader reader, PacketDecoder decoder, CaptureAccounting accounting, bool classify)
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

        public void Complete()
        {
            decoder.Complete();
            accounting.Complete();
        }

        private void Decode(DecodedBatch batch, CapturedPacket record)
        {
            _packetNumber++;
            ArraySegment<byte> frame = batch.Store(record.Data);
            int slot = batch.Add(record);
            DecodedPacket packet = batch.Packets[slot];
            decoder.Decode(frame, record.LinkType, record.IsTruncated, record.TimestampNanoseconds, packet);
            if (packet.PayloadBuffer is { } buffer && !ReferenceEquals(buffer, frame.Array))
            {
                // A reassembled datagram: the reassembler reuses its buffer, so the batch keeps a copy.
                ArraySegment<byte> copy = batch.Store(packet.Payload.Span);
                packet.SetPayload(copy.Array!, copy.Offset);
            }

            // Work that needs no flow state is done here, off the analysis thread.
            accounting.Record(record.TimestampNanoseconds, record.Data.Length, record.OriginalLength, record.LinkType, _packetNumber);
            accounting.Packet(packet, _packetNumber, record.FileOffset);
            batch.Interests[slot] = classify ? PacketInterests.Of(packet) : PacketInterest.None;
            batch.FlowKeys[slot] = PacketFlowKey.Of(packet); // the key and its hash, off the analysis thread
        }
    }

    /// <summary>Accounts decoded packets to flows and observers (one thread).</summary>
    private sealed class BatchConsumer
    {
        private readonly CaptureStatistics _statistics;
        private readonly FlowTable _table;
        private readonly FlowCollector _collector;
        private readonly List<IPacketObserver> _packetObservers;
        private long _packets;
        private long _readerPosition;

        public BatchConsumer(CaptureAnalysisOptions options, List<IFlowObserver> observers, List<IPacketObserver> packetObservers, CaptureStatistics statistics)
        {
            _statistics = statistics;
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

            PacketFlowKey[] keys = batch.FlowKeys;
            int count = batch.Count;
            for (int i = 0; i < count; i++)
            {
                long packetNumber = batch.FirstPacketNumber + i;
                long ns = batch.Timestamps[i];
                DecodedPacket packet = batch.Packets[i];
                Flow? flow = _table.Observe(packet, in keys[i], packetNumber, ns);
                if (packet.OuterUdp is { } outer)
                {
                    _table.Observe(outer, packetNumber, ns);
                }

                PacketInterest kinds = batch.Interests[i];
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
            _statistics.Interfaces = reader.Interfaces;
            _statistics.FormatDetail = reader.FormatDetail;
            _statistics.InvalidTimestamps = reader.InvalidTimestampCount;
            _statistics.FileBytesRead = _readerPosition;
            return new CaptureAnalysis(_statistics, _collector, decoder.Fragments, _table.UnattributedIcmpErrors, _table.EvictedForCapacity);
        }
    }
}
