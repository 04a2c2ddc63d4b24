using System.Buffers;

namespace CaptureOrchestrator.Analysis.Decoding;

public sealed record FragmentReassemblerOptions
{
    /// <summary>Datagrams reassembled at the same time; the oldest is given up beyond this.</summary>
    public int MaxPendingDatagrams { get; init; } = 256;

    /// <summary>Give up on a datagram whose fragments span longer than this (Linux ipfrag_time is 30 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Counts over the whole capture (IPv4 and IPv6 fragments together).</summary>
public sealed class FragmentStatistics
{
    /// <summary>Frames that were IP fragments.</summary>
    public long FragmentFrames { get; internal set; }

    /// <summary>Distinct fragmented datagrams seen.</summary>
    public long Datagrams { get; internal set; }

    public long Reassembled { get; internal set; }

    /// <summary>Datagrams given up (timeout, capture end, memory bound) with fragments missing.</summary>
    public long Incomplete { get; internal set; }

    /// <summary>Datagrams whose fragments did not arrive in increasing offset order (Azure drops these).</summary>
    public long OutOfOrder { get; internal set; }

    /// <summary>Fragments received twice (same bytes again): a capture or network duplicate, harmless.</summary>
    public long DuplicateFragments { get; internal set; }

    /// <summary>Datagrams with fragments partly overlapping each other (a classic evasion/attack pattern).</summary>
    public long Overlapping { get; internal set; }
}

internal readonly record struct FragmentKey(NetAddress Source, NetAddress Destination, uint Identification, byte Protocol, byte IpVersion);

internal readonly record struct FragmentOutcome(bool Completed, bool Overlap, bool HasPorts, ushort SourcePort, ushort DestinationPort);

/// <summary>
/// Reassembles IPv4/IPv6 fragments with bounded memory (pooled buffers, a cap on pending
/// datagrams, a timeout in capture time). The reassembled payload of the datagram completed by
/// the last <see cref="Add"/> stays readable until the next call.
/// </summary>
internal sealed class FragmentReassembler
{
    private const int MaxDatagramBytes = 65_535 + 8;

    private readonly FragmentReassemblerOptions _options;
    private readonly long _timeoutNanoseconds;
    private const int RecentlyCompletedKept = 64;

    private readonly Dictionary<FragmentKey, Pending> _pending = [];
    private readonly HashSet<FragmentKey> _recentlyCompleted = [];
    private readonly Queue<FragmentKey> _recentlyCompletedOrder = new();
    private byte[]? _completedBuffer;
    private int _completedLength;
    private Pending? _lastTouched;

    public FragmentReassembler(FragmentReassemblerOptions options)
    {
        _options = options;
        _timeoutNanoseconds = (long)options.Timeout.TotalNanoseconds;
    }

    public FragmentStatistics Statistics { get; } = new();

    public ReadOnlySpan<byte> CompletedPayload => _completedBuffer.AsSpan(0, _completedLength);

    /// <summary>The buffer holding the datagram completed by the last <see cref="Add"/>, if any.</summary>
    public byte[]? CompletedArray => _completedBuffer;

    public int CompletedPayloadLength { get; private set; }

    public bool CompletedPayloadTruncated { get; private set; }

    public FragmentOutcome Add(FragmentKey key, int offset, bool moreFragments, ReadOnlySpan<byte> data, int declaredLength, bool dataTruncated, long timestampNanoseconds)
    {
        ReleaseCompleted();
        Statistics.FragmentFrames++;

        if (!_pending.TryGetValue(key, out Pending? datagram))
        {
            if (_recentlyCompleted.Contains(key))
            {
                // A copy of a fragment of a datagram already reassembled.
                Statistics.DuplicateFragments++;
                _lastTouched = null;
                return default;
            }

            ExpireOlderThan(timestampNanoseconds - _timeoutNanoseconds);
            if (_pending.Count >= _options.MaxPendingDatagrams)
            {
                EvictOldest();
            }

            datagram = new Pending(timestampNanoseconds);
            _pending.Add(key, datagram);
            Statistics.Datagrams++;
        }

        _lastTouched = datagram;
        int end = offset + declaredLength;
        if (end > MaxDatagramBytes)
        {
            return new FragmentOutcome(false, false, datagram.HasPorts, datagram.SourcePort, datagram.DestinationPort);
        }

        bool duplicate = datagram.Covers(offset, end);
        if (offset < datagram.HighestOffsetSeen && !duplicate)
        {
            datagram.OutOfOrder = true;
        }

        datagram.HighestOffsetSeen = Math.Max(datagram.HighestOffsetSeen, offset);
        bool overlap = !duplicate && datagram.AddRange(offset, end);
        if (overlap)
        {
            datagram.Overlapping = true;
        }
        else if (duplicate)
        {
            Statistics.DuplicateFragments++;
        }

        datagram.CopyIn(offset, data);
        if (dataTruncated || data.Length < declaredLength)
        {
            datagram.Truncated = true;
        }

        if (offset == 0)
        {
            datagram.FirstFragmentCaptured = data.Length;
        }

        if (!moreFragments)
        {
            datagram.TotalLength = end;
        }

        if (datagram.TotalLength >= 0 && datagram.IsComplete)
        {
            Finish(key, datagram, completed: true);
            _completedBuffer = datagram.TakeBuffer();
            CompletedPayloadLength = datagram.TotalLength;
            CompletedPayloadTruncated = datagram.Truncated;
            // With snap-length-truncated fragments only the first fragment's bytes are trustworthy.
            _completedLength = datagram.Truncated ? datagram.FirstFragmentCaptured : datagram.TotalLength;
            return new FragmentOutcome(true, overlap, datagram.HasPorts, datagram.SourcePort, datagram.DestinationPort);
        }

        return new FragmentOutcome(false, overlap, datagram.HasPorts, datagram.SourcePort, datagram.DestinationPort);
    }

    /// <summary>Ports read from the first fragment of the datagram passed to the last <see cref="Add"/>.</summary>
    public void RememberPorts(ushort sourcePort, ushort destinationPort)
    {
        if (_lastTouched is { } datagram)
        {
            datagram.HasPorts = true;
            datagram.SourcePort = sourcePort;
            datagram.DestinationPort = destinationPort;
        }
    }

    public void ExpireAll() => ExpireOlderThan(long.MaxValue);

    private void ExpireOlderThan(long cutoffNanoseconds)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        List<FragmentKey>? expired = null;
        foreach (KeyValuePair<FragmentKey, Pending> entry in _pending)
        {
            if (entry.Value.FirstSeenNanoseconds < cutoffNanoseconds)
            {
                (expired ??= []).Add(entry.Key);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (FragmentKey key in expired)
        {
            Finish(key, _pending[key], completed: false);
        }
    }

    private void EvictOldest()
    {
        FragmentKey oldestKey = default;
        Pending? oldest = null;
        foreach (KeyValuePair<FragmentKey, Pending> entry in _pending)
        {
            if (oldest is null || entry.Value.FirstSeenNanoseconds < oldest.FirstSeenNanoseconds)
            {
                oldest = entry.Value;
                oldestKey = entry.Key;
            }
        }

        if (oldest is not null)
        {
            Finish(oldestKey, oldest, completed: false);
        }
    }

    private void Finish(FragmentKey key, Pending datagram, bool completed)
    {
        _pending.Remove(key);
        if (completed)
        {
            Statistics.Reassembled++;
            if (_recentlyCompleted.Add(key))
            {
                _recentlyCompletedOrder.Enqueue(key);
                if (_recentlyCompletedOrder.Count > RecentlyCompletedKept)
                {
                    _recentlyCompleted.Remove(_recentlyCompletedOrder.Dequeue());
                }
            }
        }
        else
        {
            Statistics.Incomplete++;
            datagram.ReturnBuffer();
        }

        if (datagram.OutOfOrder)
        {
            Statistics.OutOfOrder++;
        }

        if (datagram.Overlapping)
        {
            Statistics.Overlapping++;
        }

        if (ReferenceEquals(_lastTouched, datagram) && !completed)
        {
            _lastTouched = null;
        }
    }

    private void ReleaseCompleted()
    {
        if (_completedBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_completedBuffer);
            _completedBuffer = null;
            _completedLength = 0;
        }
    }

    private sealed class Pending(long firstSeenNanoseconds)
    {
        private readonly List<(int Start, int End)> _ranges = [];
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(MaxDatagramBytes);

        public long FirstSeenNanoseconds { get; } = firstSeenNanoseconds;

        public int TotalLength { get; set; } = -1;

        public int HighestOffsetSeen { get; set; }

        public int FirstFragmentCaptured { get; set; }

        public bool OutOfOrder { get; set; }

        public bool Overlapping { get; set; }

        public bool Truncated { get; set; }

        public bool HasPorts { get; set; }

        public ushort SourcePort { get; set; }

        public ushort DestinationPort { get; set; }

        public bool IsComplete
        {
            get
            {
                // Ranges are kept sorted and merged: complete means one range [0, total).
                return _ranges.Count == 1 && _ranges[0].Start == 0 && _ranges[0].End >= TotalLength;
            }
        }

        /// <summary>True when [start, end) was entirely received already (a duplicated fragment).</summary>
        public bool Covers(int start, int end)
        {
            foreach ((int s, int e) in _ranges)
            {
                if (s <= start && end <= e)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Adds [start, end) to the coverage; true if it overlapped existing data.</summary>
        public bool AddRange(int start, int end)
        {
            bool overlap = false;
            int index = 0;
            while (index < _ranges.Count && _ranges[index].End < start)
            {
                index++;
            }

            int mergedStart = start;
            int mergedEnd = end;
            while (index < _ranges.Count && _ranges[index].Start <= end)
            {
                (int s, int e) = _ranges[index];
                if (s < end && e > start)
                {
                    overlap = true;
                }

                mergedStart = Math.Min(mergedStart, s);
                mergedEnd = Math.Max(mergedEnd, e);
                _ranges.RemoveAt(index);
            }

            _ranges.Insert(index, (mergedStart, mergedEnd));
            return overlap;
        }

        public void CopyIn(int offset, ReadOnlySpan<byte> data)
        {
            if (_buffer is not null && offset + data.Length <= _buffer.Length)
            {
                data.CopyTo(_buffer.AsSpan(offset));
            }
        }

        public byte[]? TakeBuffer()
        {
            byte[]? buffer = _buffer;
            _buffer = null;
            return buffer;
        }

        public void ReturnBuffer()
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
        }
    }
}
