using System.Text;

namespace CaptureOrchestrator.Analysis.Protocols;

/// <summary>
/// Atomizes names read from packets (DNS question names, TLS server names), as
/// <c>System.Xml.NameTable</c> does for XML names: a capture repeats the same few hundred names
/// across hundreds of thousands of lookups and handshakes, so each becomes a string once and
/// later reads allocate nothing. Bounded: once <see cref="Capacity"/> names are kept, new ones are
/// returned without being kept (a scan of random names cannot grow it).
/// </summary>
public sealed class AsciiNameTable
{
    /// <summary>Longest name looked up in place (a DNS name is at most 255 bytes); longer ones are decoded every time.</summary>
    private const int MaxAtomizedLength = 255;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public AsciiNameTable(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _bySpan = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Capacity { get; }

    public int Count => _names.Count;

    /// <summary>The string for <paramref name="ascii"/> (bytes above 0x7F read as '?', as <see cref="Encoding.ASCII"/> does).</summary>
    public string Get(ReadOnlySpan<byte> ascii)
    {
        if (ascii.Length > MaxAtomizedLength)
        {
            return Encoding.ASCII.GetString(ascii);
        }

        Span<char> chars = stackalloc char[ascii.Length];
        Encoding.ASCII.GetChars(ascii, chars);
        if (_bySpan.TryGetValue(chars, out string? known))
        {
            return known;
        }

        string name = new(chars);
        if (_names.Count < Capacity)
        {
            _names.Add(name);
        }

        return name;
    }
}
