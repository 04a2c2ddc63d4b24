using System.Runtime.CompilerServices;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Zeek-style history string: upper case for the originator, lower case for the responder.
/// S SYN, H SYN-ACK, A pure ACK, D data, F FIN, R RST, T retransmission, W zero window,
/// G sequence gap, ^ direction flipped. T and W repeat at 1, 10, 100... occurrences.
/// Stored inline (no allocation per flow); letters beyond <see cref="Capacity"/> are dropped.
/// </summary>
public struct ConnectionHistory
{
    public const int Capacity = 32;

    private Letters _letters;
    private int _length;
    private uint _originatorSeen;
    private uint _responderSeen;

    public override readonly string ToString()
    {
        Span<char> text = stackalloc char[_length];
        for (int i = 0; i < _length; i++)
        {
            text[i] = (char)_letters[i];
        }

        return new string(text);
    }

    internal void Add(char upperLetter, bool byOriginator)
    {
        uint bit = 1u << (upperLetter & 31);
        ref uint seen = ref byOriginator ? ref _originatorSeen : ref _responderSeen;
        if ((seen & bit) != 0)
        {
            return;
        }

        seen |= bit;
        Append(byOriginator ? upperLetter : char.ToLowerInvariant(upperLetter));
    }

    /// <summary>Adds a repeating letter when <paramref name="count"/> reaches 1, 10, 100, ...</summary>
    internal void AddCounted(char upperLetter, bool byOriginator, long count)
    {
        if (count is 1 or 10 or 100 or 1000 or 10_000 or 100_000)
        {
            Append(byOriginator ? upperLetter : char.ToLowerInvariant(upperLetter));
        }
    }

    internal void Flip()
    {
        (_originatorSeen, _responderSeen) = (_responderSeen, _originatorSeen);
        for (int i = 0; i < _length; i++)
        {
            char c = (char)_letters[i];
            _letters[i] = (byte)(char.IsUpper(c) ? char.ToLowerInvariant(c) : char.IsLower(c) ? char.ToUpperInvariant(c) : c);
        }

        Append('^');
    }

    private void Append(char letter)
    {
        if (_length < Capacity)
        {
            _letters[_length++] = (byte)letter;
        }
    }

    [InlineArray(Capacity)]
    private struct Letters
    {
        private byte _first;
    }
}
