using CaptureOrchestrator.Analysis.Decoding;

namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>
/// Direction-independent 5-tuple: both directions of a conversation map to the same key
/// (endpoint A is the lower of the two).
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    private FlowKey(NetAddress addressA, ushort portA, NetAddress addressB, ushort portB, byte protocol)
    {
        AddressA = addressA;
        PortA = portA;
        AddressB = addressB;
        PortB = portB;
        Protocol = protocol;
    }

    public NetAddress AddressA { get; }

    public ushort PortA { get; }

    public NetAddress AddressB { get; }

    public ushort PortB { get; }

    public byte Protocol { get; }

    /// <summary>Builds the key; <paramref name="sourceIsA"/> tells which side sent this packet.</summary>
    public static FlowKey Create(NetAddress source, ushort sourcePort, NetAddress destination, ushort destinationPort, byte protocol, out bool sourceIsA)
    {
        int order = source.CompareTo(destination);
        sourceIsA = order < 0 || (order == 0 && sourcePort <= destinationPort);
        return sourceIsA
            ? new FlowKey(source, sourcePort, destination, destinationPort, protocol)
            : new FlowKey(destination, destinationPort, source, sourcePort, protocol);
    }

    public bool Equals(FlowKey other) =>
        AddressA.Equals(other.AddressA) && AddressB.Equals(other.AddressB)
        && PortA == other.PortA && PortB == other.PortB && Protocol == other.Protocol;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode()
    {
        // Cheaper than HashCode.Combine over five fields; the per-packet lookup is hot.
        ulong mix = AddressA.Low ^ (AddressA.High * 31) ^ (AddressB.Low * 0x9E3779B97F4A7C15UL) ^ (AddressB.High * 17)
            ^ ((ulong)PortA << 24) ^ ((ulong)PortB << 40) ^ Protocol;
        mix ^= mix >> 33;
        mix *= 0xff51afd7ed558ccdUL;
        mix ^= mix >> 33;
        return (int)mix;
    }

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);
}
