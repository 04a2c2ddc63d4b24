using System.Text;

namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>Builds TLS records (RFC 5246 / 8446 layouts) for scenarios: enough for the analyzer to read.</summary>
public static class TlsMessageBuilder
{
    public const byte Warning = 1;
    public const byte Fatal = 2;

    public static byte[] Record(byte contentType, ReadOnlySpan<byte> body, ushort version = 0x0303) =>
        [contentType, (byte)(version >> 8), (byte)version, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    public static byte[] Handshake(byte type, ReadOnlySpan<byte> body) =>
        [type, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    /// <summary>A ClientHello record offering TLS 1.2 (and 1.3 when asked) with the given SNI.</summary>
    public static byte[] ClientHello(string? serverName, bool offerTls13 = false)
    {
        var extensions = new List<byte>();
        if (serverName is not null)
        {
            byte[] name = Encoding.ASCII.GetBytes(serverName);
            byte[] list = [0, .. BigEndian16(name.Length), .. name];
            extensions.AddRange([0, 0, .. BigEndian16(list.Length + 2), .. BigEndian16(list.Length), .. list]);
        }

        if (offerTls13)
        {
            extensions.AddRange([0, 43, 0, 5, 4, 3, 4, 3, 3]);
        }

        byte[] body =
        [
            3, 3, .. new byte[32], 0, // version, random, empty session id
            0, 4, 0x13, 0x01, 0xC0, 0x2F, // cipher suites
            1, 0, // compression: null
            .. BigEndian16(extensions.Count), .. extensions,
        ];
        return Record(22, Handshake(1, body), version: 0x0301);
    }

    /// <summary>A ServerHello record; TLS 1.3 is signalled in supported_versions as real servers do.</summary>
    public static byte[] ServerHello(bool tls13 = false)
    {
        byte[] extensions = tls13 ? [0, 43, 0, 2, 3, 4] : [];
        byte[] body = [3, 3, .. new byte[32], 0, 0xC0, 0x2F, 0, .. BigEndian16(extensions.Length), .. extensions];
        return Record(22, Handshake(2, body));
    }

    /// <summary>A Certificate record carrying the DER certificates, leaf first.</summary>
    public static byte[] Certificate(params byte[][] certificates)
    {
        var list = new List<byte>();
        foreach (byte[] der in certificates)
        {
            list.AddRange(BigEndian24(der.Length));
            list.AddRange(der);
        }

        return Record(22, Handshake(11, [.. BigEndian24(list.Count), .. list]));
    }

    public static byte[] ServerHelloDone() => Record(22, Handshake(14, []));

    public static byte[] ChangeCipherSpec() => Record(20, [1]);

    public static byte[] Alert(byte level, byte description) => Record(21, [level, description]);

    private static byte[] BigEndian16(int value) => [(byte)(value >> 8), (byte)value];

    private static byte[] BigEndian24(int value) => [(byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
