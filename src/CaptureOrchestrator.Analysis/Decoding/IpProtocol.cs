namespace CaptureOrchestrator.Analysis.Decoding;

/// <summary>IANA protocol numbers the engine cares about.</summary>
public static class IpProtocol
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Ipv6InIp = 41;
    public const byte Ipv6Routing = 43;
    public const byte Ipv6Fragment = 44;
    public const byte Gre = 47;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte Icmpv6 = 58;
    public const byte Ipv6NoNext = 59;
    public const byte Ipv6DestinationOptions = 60;
    public const byte Mobility = 135;

    public static string Name(byte protocol) => protocol switch
    {
        Icmp => "icmp",
        Tcp => "tcp",
        Udp => "udp",
        Gre => "gre",
        Esp => "esp",
        Ah => "ah",
        Icmpv6 => "icmpv6",
        IpInIp => "ipip",
        Ipv6InIp => "ipv6-in-ip",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
