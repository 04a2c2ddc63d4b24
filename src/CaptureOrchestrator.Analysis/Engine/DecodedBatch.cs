using System.Collections.Concurrent;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Findings;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Engine;

/// <summary>
/// A run of consecutive packets, read and decoded, with their frames copied into memory the
/// batch owns — so a decoding thread can move on while another thread analyses them.
/// </summary>
internal sealed class DecodedBatch
{
    public const int Capacity = 2048;
    private const int ArenaBytes = 4 << 20;

    // A batch is 4 MiB of arena and 2,048 packets. A server analyses one capture after another,
    // mostly small ones, and allocating four fresh batches for each made every analysis cost 17 MB
    // of large objects and, every few captures, a full collection (a 1 ms analysis took up to
    // 60 ms). Finished analyses return their batches here; two analyses' worth are kept.
    private const int MaxPooled = 8;
    private static readonly ConcurrentQueue<DecodedBatch> Pool = new();

    private DecodedBatch()
    {
        for (int i = 0; i < Capacity; i++)
        {
            Packets[i] = new DecodedPacket();
        }
    }

    /// <summary>A batch from the pool, or a new one.</summary>
    public static DecodedBatch Rent() => Pool.TryDequeue(out DecodedBatch? batch) ? batch : new DecodedBatch();

    /// <summary>Gives a batch back once no thread uses it any more.</summary>
    public static void Return(DecodedBatch batch)
    {
        batch.Clear();
        if (Pool.Count < MaxPooled)
        {
            Pool.Enqueue(batch);
        }
    }

    public DecodedPacket[] Packets { get; } = new DecodedPacket[Capacity];

    public long[] Timestamps { get; } = new long[Capacity];

    public long[] FileOffsets { get; } = new long[Capacity];

    public int[] LinkTypes { get; } = new int[Capacity];

    public int[] CapturedLengths { get; } = new int[Capacity];

    public int[] OriginalLengths { get; } = new int[Capacity];

    /// <summary>Which packet observers each packet concerns (classified on the decoding side).</summary>
    public PacketInterest[] Interests { get; } = new PacketInterest[Capacity];

    /// <summary>Each packet's flow key and hash (worked out on the decoding side).</summary>
    public PacketFlowKey[] FlowKeys { get; } = new PacketFlowKey[Capacity];

    public byte[] Arena { get; } = new byte[ArenaBytes];

    public int ArenaUsed { get; private set; }

    public int Count { get; private set; }

    /// <summary>Frame number of the first packet in the batch.</summary>
    public long FirstPacketNumber { get; set; }

    /// <summary>Bytes the reader had consumed after the last packet of the batch.</summary>
    public long ReaderPosition { get; set; }

    /// <summary>Reading stopped here because the file is damaged.</summary>
    public CaptureFormatException? Damage { get; set; }

    /// <summary>The decoding side failed unexpectedly; the analysis rethrows it.</summary>
    public Exception? Fault { get; set; }

    /// <summary>No batch follows this one.</summary>
    public bool IsLast { get; set; }

    public bool IsFull => Count == Capacity;

    public void Clear()
    {
        Count = 0;
        ArenaUsed = 0;
        Damage = null;
        Fault = null;
        IsLast = false;
    }

    /// <summary>Arena space still free.</summary>
    public int FreeBytes => Arena.Length - ArenaUsed;

    /// <summary>
    /// Copies bytes into the arena and returns the memory holding them. A frame larger than the
    /// space left (only pcapng allows such blocks) gets an array of its own.
    /// </summary>
    public ArraySegment<byte> Store(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > FreeBytes)
        {
            return new ArraySegment<byte>(bytes.ToArray());
        }

        int start = ArenaUsed;
        bytes.CopyTo(Arena.AsSpan(start));
        ArenaUsed += bytes.Length;
        return new ArraySegment<byte>(Arena, start, bytes.Length);
    }

    /// <summary>Adds the packet whose frame was just stored; returns its slot.</summary>
    public int Add(in CapturedPacket record)
    {
        int slot = Count++;
        Timestamps[slot] = record.TimestampNanoseconds;
        FileOffsets[slot] = record.FileOffset;
        LinkTypes[slot] = record.LinkType;
        CapturedLengths[slot] = record.Data.Length;
        OriginalLengths[slot] = record.OriginalLength;
        return slot;
    }
}
