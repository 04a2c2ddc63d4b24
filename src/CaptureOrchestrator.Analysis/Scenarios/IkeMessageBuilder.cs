using System.Buffers.Binary;

namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>IKE headers (RFC 7296 / 2408) and ESP packets for VPN scenarios.</summary>
public static class IkeMessageBuilder
{
    public const byte IkeSaInit = 34;
    public const byte IkeAuth = 35;

    /// <summary>An IKEv2 message: header plus padding to a realistic size.</summary>
    public static byte[] IkeV2(ulong initiatorSpi, ulong responderSpi, byte exchange, bool response, uint messageId = 0, int length = 200)
    {
        byte[] message = new byte[length];
        BinaryPrimitives.WriteUInt64BigEndian(message, initiatorSpi);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(8), responderSpi);
        message[16] = 33; // next payload: SA
        message[17] = 0x20; // version 2.0
        message[18] = exchange;
        message[19] = (byte)(response ? 0x20 : 0x08);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(20), messageId);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(24), (uint)length);
        return message;
    }

    /// <summary>IKE on UDP 4500: the 4-byte non-ESP marker, then the message.</summary>
    public static byte[] WithNonEspMarker(byte[] ike) => [0, 0, 0, 0, .. ike];

    /// <summary>An ESP-in-UDP packet (RFC 3948): SPI, sequence number, opaque ciphertext.</summary>
    public static byte[] Esp(uint spi, uint sequence, int length = 120)
    {
        byte[] packet = new byte[length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, spi);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequence);
        packet.AsSpan(8).Fill(0xA5);
        return packet;
    }
}
