using System.Buffers.Binary;
using System.Text;

namespace CaptureOrchestrator.Analysis.Protocols;

/// <summary>Parsers for the handshake messages the diagnosis reads (RFC 8446 / 5246 layouts), bounds-checked.</summary>
public static class TlsHandshake
{
    public const byte ClientHello = 1;
    public const byte ServerHello = 2;
    public const byte Certificate = 11;

    private const ushort ServerNameExtension = 0;
    private const ushort SupportedVersionsExtension = 43;

    /// <summary>Server name (SNI) from a ClientHello body; null when absent or unreadable.</summary>
    public static string? ReadServerName(ReadOnlySpan<byte> body, AsciiNameTable? names = null)
    {
        // version(2) random(32) session_id<1> cipher_suites<2> compression<1> extensions<2>
        if (!Skip(ref body, 34) || !SkipVector(ref body, 1) || !SkipVector(ref body, 2) || !SkipVector(ref body, 1) || body.Length < 2)
        {
            return null;
        }

        ReadOnlySpan<byte> extensions = body[2..];
        extensions = extensions[..Math.Min(extensions.Length, BinaryPrimitives.ReadUInt16BigEndian(body))];
        while (extensions.Length >= 4)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(extensions);
            int length = BinaryPrimitives.ReadUInt16BigEndian(extensions[2..]);
            if (extensions.Length < 4 + length)
            {
                return null;
            }

            ReadOnlySpan<byte> data = extensions.Slice(4, length);
            if (type == ServerNameExtension && data.Length >= 5 && data[2] == 0)
            {
                int nameLength = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
                if (data.Length < 5 + nameLength)
                {
                    return null;
                }

                ReadOnlySpan<byte> name = data.Slice(5, nameLength);
                return names is null ? Encoding.ASCII.GetString(name) : names.Get(name);
            }

            extensions = extensions[(4 + length)..];
        }

        return null;
    }

    /// <summary>The negotiated version from a ServerHello body (supported_versions wins over the legacy field).</summary>
    public static ushort ReadServerVersion(ReadOnlySpan<byte> body, out ushort cipherSuite)
    {
        cipherSuite = 0;
        if (body.Length < 2)
        {
            return 0;
        }

        ushort legacy = BinaryPrimitives.ReadUInt16BigEndian(body);
        ReadOnlySpan<byte> rest = body;
        if (!Skip(ref rest, 34) || !SkipVector(ref rest, 1) || rest.Length < 3)
        {
            return legacy;
        }

        cipherSuite = BinaryPrimitives.ReadUInt16BigEndian(rest);
        rest = rest[3..]; // cipher suite, compression method
        if (rest.Length < 2)
        {
            return legacy;
        }

        ReadOnlySpan<byte> extensions = rest[2..];
        while (extensions.Length >= 4)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(extensions);
            int length = BinaryPrimitives.ReadUInt16BigEndian(extensions[2..]);
            if (extensions.Length < 4 + length)
            {
                break;
            }

            if (type == SupportedVersionsExtension && length == 2)
            {
                return BinaryPrimitives.ReadUInt16BigEndian(extensions[4..]);
            }

            extensions = extensions[(4 + length)..];
        }

        return legacy;
    }

    /// <summary>The DER certificates of a TLS 1.2-or-earlier Certificate message body, leaf first.</summary>
    public static List<byte[]> ReadCertificates(ReadOnlySpan<byte> body)
    {
        var certificates = new List<byte[]>();
        if (body.Length < 3)
        {
            return certificates;
        }

        int total = ReadUInt24(body);
        ReadOnlySpan<byte> list = body[3..];
        list = list[..Math.Min(list.Length, total)];
        while (list.Length >= 3)
        {
            int length = ReadUInt24(list);
            if (list.Length < 3 + length)
            {
                // A truncated certificate: keep what is there, the X.509 parser will reject it.
                certificates.Add(list[3..].ToArray());
                break;
            }

            certificates.Add(list.Slice(3, length).ToArray());
            list = list[(3 + length)..];
        }

        return certificates;
    }

    internal static int ReadUInt24(ReadOnlySpan<byte> span) => (span[0] << 16) | (span[1] << 8) | span[2];

    private static bool Skip(ref ReadOnlySpan<byte> span, int count)
    {
        if (span.Length < count)
        {
            return false;
        }

        span = span[count..];
        return true;
    }

    private static bool SkipVector(ref ReadOnlySpan<byte> span, int lengthBytes)
    {
        if (span.Length < lengthBytes)
        {
            return false;
        }

        int length = lengthBytes == 1 ? span[0] : BinaryPrimitives.ReadUInt16BigEndian(span);
        return Skip(ref span, lengthBytes + length);
    }
}
