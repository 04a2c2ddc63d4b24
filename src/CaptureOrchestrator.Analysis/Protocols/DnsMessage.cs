using System.Buffers.Binary;
using System.Text;

namespace CaptureOrchestrator.Analysis.Protocols;

/// <summary>The parts of a DNS message (RFC 1035) the diagnosis needs: header and first question.</summary>
public readonly record struct DnsMessage(ushort Id, bool IsResponse, byte Opcode, byte ResponseCode, ushort QuestionCount, ushort AnswerCount, string QuestionName, ushort QuestionType)
{
    private const int HeaderBytes = 12;
    private const int MaxNameBytes = 255;
    private const int MaxPointerJumps = 16;

    public const byte NoError = 0;
    public const byte ServerFailure = 2;
    public const byte NameError = 3;
    public const byte Refused = 5;

    /// <summary>Parses a DNS message; false when the bytes are not one (bounds-checked, never throws).</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out DnsMessage parsed) => TryParse(message, null, out parsed);

    /// <summary>As <see cref="TryParse(ReadOnlySpan{byte}, out DnsMessage)"/>, taking the question name from <paramref name="names"/> (no string per message).</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, AsciiNameTable? names, out DnsMessage parsed)
    {
        parsed = default;
        if (message.Length < HeaderBytes)
        {
            return false;
        }

        ushort id = BinaryPrimitives.ReadUInt16BigEndian(message);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        ushort questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        ushort answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        string name = string.Empty;
        ushort type = 0;
        if (questions > 0)
        {
            int position = HeaderBytes;
            if (!TryReadName(message, ref position, names, out name) || message.Length - position < 4)
            {
                return false;
            }

            type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
        }

        parsed = new DnsMessage(id, (flags & 0x8000) != 0, (byte)((flags >> 11) & 0x0F), (byte)(flags & 0x000F), questions, answers, name, type);
        return true;
    }

    public static string ResponseCodeName(byte code) => code switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => $"RCODE{code}",
    };

    private static bool TryReadName(ReadOnlySpan<byte> message, ref int position, AsciiNameTable? names, out string name)
    {
        name = string.Empty;
        Span<byte> text = stackalloc byte[MaxNameBytes + 1];
        int length = 0;
        int cursor = position;
        int jumps = 0;
        bool jumped = false;
        while (true)
        {
            if (cursor >= message.Length)
            {
                return false;
            }

            byte label = message[cursor];
            if (label == 0)
            {
                cursor++;
                break;
            }

            if ((label & 0xC0) == 0xC0)
            {
                if (cursor + 1 >= message.Length || ++jumps > MaxPointerJumps)
                {
                    return false;
                }

                int target = ((label & 0x3F) << 8) | message[cursor + 1];
                if (!jumped)
                {
                    position = cursor + 2;
                    jumped = true;
                }

                cursor = target;
                continue;
            }

            if ((label & 0xC0) != 0 || cursor + 1 + label > message.Length || length + label + 1 > MaxNameBytes)
            {
                return false;
            }

            if (length > 0)
            {
                text[length++] = (byte)'.';
            }

            message.Slice(cursor + 1, label).CopyTo(text[length..]);
            length += label;
            cursor += 1 + label;
        }

        if (!jumped)
        {
            position = cursor;
        }

        name = length == 0 ? "." : names is null ? Encoding.ASCII.GetString(text[..length]) : names.Get(text[..length]);
        return true;
    }
}
