using System.Text;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Zeek-style history string: upper case for the originator, lower case for the responder.
/// S SYN, H SYN-ACK, A pure ACK, D data, F FIN, R RST, T retransmission, W zero window,
/// G sequence gap, ^ direction flipped. T and W repeat at 1, 10, 100... occurrences.
/// </summary>
public sealed class ConnectionHistory
{
    private readonly StringBuilder _text = new(8);
    private uint _originatorSeen;
    private uint _responderSeen;

    public override string ToString() => _text.ToString();

    internal void Add(char upperLetter, bool byOriginator)
    {
        uint bit = 1u << (upperLetter - 'A');
        ref uint seen = ref byOriginator ? ref _originatorSeen : ref _responderSeen;
        if ((seen & bit) != 0)
        {
            return;
        }

        seen |= bit;
        _text.Append(byOriginator ? upperLetter : char.ToLowerInvariant(upperLetter));
    }

    /// <summary>Adds a repeating letter when <paramref name="count"/> reaches 1, 10, 100, ...</summary>
    internal void AddCounted(char upperLetter, bool byOriginator, long count)
    {
        if (count is 1 or 10 or 100 or 1000 or 10_000 or 100_000)
        {
            _text.Append(byOriginator ? upperLetter : char.ToLowerInvariant(upperLetter));
        }
    }

    internal void Flip()
    {
        (_originatorSeen, _responderSeen) = (_responderSeen, _originatorSeen);
        for (int i = 0; i < _text.Length; i++)
        {
            char c = _text[i];
            _text[i] = char.IsUpper(c) ? char.ToLowerInvariant(c) : char.IsLower(c) ? char.ToUpperInvariant(c) : c;
        }

        _text.Append('^');
    }
}
