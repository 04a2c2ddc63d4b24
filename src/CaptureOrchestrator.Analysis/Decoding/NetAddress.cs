using System.Buffers.Binary;
using System.Net;

namespace CaptureOrchestrator.Analysis.Decoding;

/// <summary>
/// An IPv4 or IPv6 address as a 16-byte value (IPv4 kept as ::ffff:a.b.c.d), cheap to hash and
/// compare on the per-packet path, unlike <see cref="IPAddress"/>.
/// </summary>
public readonly struct NetAddress : IEquatable<NetAddress>, IComparable<NetAddress>
{
    private const ulong V4MappedHigh = 0;
    private const ulong V4MappedPrefix = 0x0000_FFFF_0000_0000UL;

    private readonly ulong _high;
    private readonly ulong _low;

    private NetAddress(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    public bool IsIPv4 => _high == V4MappedHigh && (_low & 0xFFFF_FFFF_0000_0000UL) == V4MappedPrefix;

    public static NetAddress FromIPv4(ReadOnlySpan<byte> fourBytes) =>
        new(V4MappedHigh, V4MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    public static NetAddress FromIPv4(uint hostOrder) => new(V4MappedHigh, V4MappedPrefix | hostOrder);

    public static NetAddress FromIPv6(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]));

    public static NetAddress Parse(string text)
    {
        IPAddress address = IPAddress.Parse(text);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromIPv4(bytes);
        }

        address.TryWriteBytes(bytes, out _);
        return FromIPv6(bytes);
    }

    /// <summary>
    /// The address's subnet as people write it for hosts on one LAN segment: the /24 of an IPv4
    /// address, the /64 of an IPv6 one (host bits zero).
    /// </summary>
    public NetAddress Subnet => IsIPv4 ? new NetAddress(_high, _low & ~0xFFUL) : new NetAddress(_high, 0);

    /// <summary>"10.1.2.0/24" or "2001:db8::/64": <see cref="Subnet"/> as text.</summary>
    public string SubnetText => $"{Subnet}/{(IsIPv4 ? 24 : 64)}";

    /// <summary>Writes the 4 (IPv4) or 16 (IPv6) network-order bytes; returns the count.</summary>
    public int WriteBytes(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
            return 4;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        return 16;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int count = WriteBytes(bytes);
        return new IPAddress(bytes[..count]);
    }

    public override string ToString() => ToIPAddress().ToString();

    public bool Equals(NetAddress other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is NetAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low);

    public int CompareTo(NetAddress other)
    {
        int c = _high.CompareTo(other._high);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    internal ulong High => _high;

    internal ulong Low => _low;

    public static bool operator ==(NetAddress left, NetAddress right) => left.Equals(right);

    public static bool operator !=(NetAddress left, NetAddress right) => !left.Equals(right);

    public static bool operator <(NetAddress left, NetAddress right) => left.CompareTo(right) < 0;

    public static bool operator >(NetAddress left, NetAddress right) => left.CompareTo(right) > 0;

    public static bool operator <=(NetAddress left, NetAddress right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NetAddress left, NetAddress right) => left.CompareTo(right) >= 0;
}
