namespace CaptureOrchestrator.Analysis.Capture;

/// <summary>
/// A forward-only window over a <see cref="Stream"/>: callers ask for the next N bytes to be
/// contiguous in memory, look at them, and advance. It never seeks, so it works on network and
/// blob download streams, and it keeps at most one record in memory (plus read-ahead).
/// </summary>
internal sealed class ForwardReadBuffer
{
    private readonly Stream _stream;
    private readonly int _maxCapacity;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferFileOffset; // file offset of _buffer[0]
    private bool _endOfStream;

    public ForwardReadBuffer(Stream stream, int initialCapacity, int maxCapacity)
    {
        _stream = stream;
        _maxCapacity = maxCapacity;
        _buffer = new byte[initialCapacity];
    }

    /// <summary>File offset of the next unread byte.</summary>
    public long Position => _bufferFileOffset + _start;

    public int Available => _end - _start;

    /// <summary>The largest contiguous request <see cref="TryEnsure"/> will satisfy.</summary>
    public int MaxCapacity => _maxCapacity;

    /// <summary>
    /// Makes <paramref name="count"/> bytes available contiguously. Returns false when the stream
    /// ends first (then <see cref="Available"/> says how many bytes there were).
    /// </summary>
    public bool TryEnsure(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        return Fill(count);
    }

    private bool Fill(int count)
    {
        if (count > _maxCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"More than the buffer limit of {_maxCapacity} bytes was requested.");
        }

        if (count > _buffer.Length)
        {
            int newSize = Math.Min(_maxCapacity, Math.Max(count, _buffer.Length * 2));
            var bigger = new byte[newSize];
            Buffer.BlockCopy(_buffer, _start, bigger, 0, _end - _start);
            _bufferFileOffset += _start;
            _end -= _start;
            _start = 0;
            _buffer = bigger;
        }
        else if (_buffer.Length - _start < count)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferFileOffset += _start;
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count && !_endOfStream)
        {
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _endOfStream = true;
                break;
            }

            _end += read;
        }

        return _end - _start >= count;
    }

    public ReadOnlySpan<byte> Peek(int count) => _buffer.AsSpan(_start, count);

    /// <summary>Like <see cref="Peek"/>, as memory (valid until the next fill).</summary>
    public ReadOnlyMemory<byte> PeekMemory(int count) => _buffer.AsMemory(_start, count);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_end - _start))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _start += count;
    }

    /// <summary>True when no byte is left to read.</summary>
    public bool AtEnd => _start == _end && !Fill(1);
}
