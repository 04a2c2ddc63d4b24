using System.Buffers.Binary;
using System.Text;

namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>Builds DNS queries and responses (RFC 1035 wire format) for scenarios.</summary>
public static class DnsMessageBuilder
{
    public const ushort TypeA = 1;

    public static byte[] Query(ushort id, string name, ushort type = TypeA) => Build(id, name, type, flags: 0x0100, answers: []);

    /// <summary>A response; with <paramref name="responseCode"/> 0 it answers with the given IPv4 addresses.</summary>
    public static byte[] Response(ushort id, string name, byte responseCode, params string[] addresses) =>
        Build(id, name, TypeA, flags: (ushort)(0x8180 | responseCode), answers: responseCode == 0 ? addresses : []);

    private static byte[] Build(ushort id, string name, ushort type, ushort flags, string[] answers)
    {
        var message = new List<byte>(64);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)answers.Length);
        message.AddRange(header.ToArray());
        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            message.Add((byte)label.Length);
            message.AddRange(Encoding.ASCII.GetBytes(label));
        }

        message.Add(0);
        message.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        foreach (string address in answers)
        {
            // Name pointer to the question (offset 12), type A, class IN, TTL 60, 4 bytes of address.
            message.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            message.AddRange(System.Net.IPAddress.Parse(address).GetAddressBytes());
        }

        return [.. message];
    }
}
