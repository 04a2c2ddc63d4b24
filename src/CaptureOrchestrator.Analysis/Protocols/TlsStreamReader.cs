using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace CaptureOrchestrator.Analysis.Protocols;

/// <summary>What one TCP segment's payload completed in a TLS byte stream.</summary>
public interface ITlsStreamEvents
{
    /// <summary>A complete alert record; <paramref name="encrypted"/> when it followed ChangeCipherSpec (description unreadable).</summary>
    void OnAlert(byte level, byte description, bool encrypted);

    /// <summary>A complete handshake message (plaintext part of the handshake only).</summary>
    void OnHandshakeMessage(byte type, ReadOnlySpan<byte> body);
}

/// <summary>
/// Follows one direction of a TLS connection over in-order TCP segments: record boundaries
/// (including records split across segments), alerts, and the plaintext handshake messages.
/// Out-of-order data ends the tracking of that direction.
/// <para>
/// A capture holds tens of thousands of TLS conversations at once, so the per-direction state is
/// a few fields: handshake messages that arrive whole in one segment (nearly all of them) are read
/// in place, and only a message split across segments is reassembled, in a buffer rented from the
/// shared pool and returned as soon as the message is complete.
/// </para>
/// <para>
/// A struct, held by reference inside its conversation: one object fewer to reach per packet
/// (measured ~4 % of a warm run on the 1 GB mix, docs/benchmarks.md). Copying one copies a live
/// stream position; use it through a ref or a field, never by value.
/// </para>
/// </summary>
public struct TlsStreamReader
{
    private const int MaxRecordBytes = 16_384 + 2_048;
    private const int MaxHandshakeBytes = 64 * 1024;
    private const byte ChangeCipherSpec = 20;
    private const byte Alert = 21;
    private const byte Handshake = 22;

    private RecordHeader _header;
    private AlertBytes _alert;
    private byte[]? _handshake;
    private int _handshakeLength;
    private int _headerFill;
    private int _recordRemaining;
    private int _recordLength;
    private byte _recordType;
    private int _alertFill;
    private uint _nextSequence;
    private bool _started;

    /// <summary>Tracking stopped: a gap in the stream or bytes that are not TLS.</summary>
    public bool Broken { get; private set; }

    /// <summary>ChangeCipherSpec was sent: later handshake and alert contents are encrypted.</summary>
    public bool Encrypted { get; private set; }

    /// <summary>True when the first payload bytes look like a TLS record header.</summary>
    public static bool LooksLikeTls(ReadOnlySpan<byte> payload) =>
        payload.Length >= 3 && payload[0] is >= ChangeCipherSpec and <= 24 && payload[1] == 3 && payload[2] <= 4;

    /// <summary>Feeds one segment; returns the number of alert records it completed.</summary>
    public int Feed(uint sequence, ReadOnlySpan<byte> payload, ITlsStreamEvents events)
    {
        if (Broken || payload.IsEmpty)
        {
            return 0;
        }

        if (!_started)
        {
            if (!LooksLikeTls(payload))
            {
                Broken = true;
                return 0;
            }

            _started = true;
            _nextSequence = sequence;
        }

        int skip = (int)(_nextSequence - sequence);
        if (skip > 0)
        {
            if (skip >= payload.Length)
            {
                return 0; // a retransmission of bytes already read
            }

            payload = payload[skip..];
        }
        else if (skip < 0)
        {
            Broken = true; // a segment is missing from the capture
            return 0;
        }

        _nextSequence += (uint)payload.Length;
        int alerts = 0;
        while (!payload.IsEmpty && !Broken)
        {
            if (_recordRemaining == 0 && _headerFill < 5)
            {
                int take = Math.Min(5 - _headerFill, payload.Length);
                payload[..take].CopyTo(((Span<byte>)_header)[_headerFill..]);
                _headerFill += take;
                payload = payload[take..];
                if (_headerFill < 5)
                {
                    break;
                }

                if (!StartRecord())
                {
                    Broken = true;
                    break;
                }

                if (_recordRemaining == 0)
                {
                    alerts += CompleteRecord(events);
                }

                continue;
            }

            int chunk = Math.Min(_recordRemaining, payload.Length);
            Consume(payload[..chunk], events);
            payload = payload[chunk..];
            _recordRemaining -= chunk;
            if (_recordRemaining == 0)
            {
                alerts += CompleteRecord(events);
            }
        }

        return alerts;
    }

    private bool StartRecord()
    {
        _recordType = _header[0];
        _recordLength = BinaryPrimitives.ReadUInt16BigEndian(((ReadOnlySpan<byte>)_header)[3..]);
        if (_recordType is < ChangeCipherSpec or > 24 || _header[1] != 3 || _recordLength > MaxRecordBytes)
        {
            return false;
        }

        _recordRemaining = _recordLength;
        _alertFill = 0;
        return true;
    }

    private void Consume(ReadOnlySpan<byte> bytes, ITlsStreamEvents events)
    {
        if (_recordType == Alert && !Encrypted)
        {
            int take = Math.Min(2 - _alertFill, bytes.Length);
            bytes[..take].CopyTo(((Span<byte>)_alert)[_alertFill..]);
            _alertFill += take;
        }
        else if (_recordType == Handshake && !Encrypted)
        {
            AppendHandshake(bytes, events);
        }
    }

    private int CompleteRecord(ITlsStreamEvents events)
    {
        _headerFill = 0;
        switch (_recordType)
        {
            case ChangeCipherSpec:
                Encrypted = true;
                ReleaseHandshake(); // nothing more to read in the clear
                return 0;
            case Alert:
                bool readable = !Encrypted && _recordLength == 2 && _alertFill == 2;
                events.OnAlert(readable ? _alert[0] : (byte)0, readable ? _alert[1] : (byte)0, encrypted: !readable);
                return 1;
            default:
                return 0;
        }
    }

    private void AppendHandshake(ReadOnlySpan<byte> bytes, ITlsStreamEvents events)
    {
        if (_handshakeLength == 0)
        {
            // Whole messages in this segment are read where they are.
            while (bytes.Length >= 4)
            {
                int length = TlsHandshake.ReadUInt24(bytes[1..]);
                if (bytes.Length < 4 + length)
                {
                    break;
                }

                events.OnHandshakeMessage(bytes[0], bytes.Slice(4, length));
                bytes = bytes[(4 + length)..];
            }

            if (bytes.IsEmpty)
            {
                return;
            }
        }

        if (_handshakeLength + bytes.Length > MaxHandshakeBytes)
        {
            ReleaseHandshake();
            Encrypted = true; // give up on an oversized handshake; keep walking records
            return;
        }

        if (_handshake is null || _handshakeLength + bytes.Length > _handshake.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(4096, Math.Max((_handshake?.Length ?? 0) * 2, _handshakeLength + bytes.Length)));
            if (_handshake is not null)
            {
                _handshake.AsSpan(0, _handshakeLength).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_handshake);
            }

            _handshake = larger;
        }

        bytes.CopyTo(_handshake.AsSpan(_handshakeLength));
        _handshakeLength += bytes.Length;

        int consumed = 0;
        while (_handshakeLength - consumed >= 4)
        {
            ReadOnlySpan<byte> pending = _handshake.AsSpan(consumed, _handshakeLength - consumed);
            int length = TlsHandshake.ReadUInt24(pending[1..]);
            if (pending.Length < 4 + length)
            {
                break;
            }

            events.OnHandshakeMessage(pending[0], pending.Slice(4, length));
            consumed += 4 + length;
        }

        if (consumed == _handshakeLength)
        {
            ReleaseHandshake();
        }
        else if (consumed > 0)
        {
            _handshake.AsSpan(consumed, _handshakeLength - consumed).CopyTo(_handshake);
            _handshakeLength -= consumed;
        }
    }

    /// <summary>Returns the reassembly buffer to the pool (no message is partly read).</summary>
    public void ReleaseHandshake()
    {
        if (_handshake is not null)
        {
            ArrayPool<byte>.Shared.Return(_handshake);
            _handshake = null;
        }

        _handshakeLength = 0;
    }

    /// <summary>Makes this reader new again, for a new stream (its buffer goes back to the pool).</summary>
    public void Reset()
    {
        ReleaseHandshake();
        _header = default;
        _alert = default;
        _headerFill = _recordRemaining = _recordLength = _alertFill = 0;
        _recordType = 0;
        _nextSequence = 0;
        _started = false;
        Broken = Encrypted = false;
    }

    [InlineArray(5)]
    private struct RecordHeader
    {
        private byte _first;
    }

    [InlineArray(2)]
    private struct AlertBytes
    {
        private byte _first;
    }
}
