using System.Buffers.Binary;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Decoding;

public sealed class LinkLayerTests
{
    private static readonly Endpoint Client = Endpoint.Parse("10.0.0.4:50000");
    private static readonly Endpoint Server = Endpoint.Parse("10.0.1.5:443");

    /// <summary>A TCP SYN inside Ethernet; other link layers are built from its IP part.</summary>
    private static byte[] EthernetSyn(bool ipv6 = false)
    {
        byte[] frame = new byte[200];
        Endpoint c = ipv6 ? Endpoint.Parse("[2001:db8::4]:50000") : Client;
        Endpoint s = ipv6 ? Endpoint.Parse("[2001:db8::5]:443") : Server;
        int length = PacketFactory.Tcp(frame, new TcpSegment(c, s, 100, 0, TcpFlags.Syn, 0, Mss: 1460, WindowScale: 7, SackPermitted: true));
        return frame[..length];
    }

    private static DecodedPacket Decode(byte[] frame, LinkType linkType)
    {
        var packet = new DecodedPacket();
        new PacketDecoder().Decode(frame, (int)linkType, frameTruncated: false, 0, packet);
        return packet;
    }

    private static void AssertSyn(DecodedPacket packet)
    {
        Assert.Equal(MalformedReason.None, packet.Malformed);
        Assert.True(packet.HasTcpHeader);
        Assert.Equal(50000, packet.SourcePort);
        Assert.Equal(443, packet.DestinationPort);
        Assert.Equal(TcpFlags.Syn, packet.Flags);
        Assert.Equal(1460, packet.Mss);
        Assert.Equal(7, packet.WindowScale);
        Assert.True(packet.SackPermitted);
    }

    [Fact]
    public void Ethernet() => AssertSyn(Decode(EthernetSyn(), LinkType.Ethernet));

    [Fact]
    public void Ethernet_ipv6() => AssertSyn(Decode(EthernetSyn(ipv6: true), LinkType.Ethernet));

    [Fact]
    public void Vlan_and_qinq_tags()
    {
        byte[] ip = EthernetSyn()[14..];
        byte[] frame = [.. new byte[12], 0x88, 0xA8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x32, 0x08, 0x00, .. ip];
        DecodedPacket packet = Decode(frame, LinkType.Ethernet);
        AssertSyn(packet);
        Assert.Equal(2, packet.VlanCount);
        Assert.Equal(100, packet.OuterVlanId);
    }

    [Theory]
    [InlineData(LinkType.Raw)]
    [InlineData(LinkType.RawDlt12)]
    [InlineData(LinkType.Ipv4)]
    public void Raw_ipv4(LinkType linkType) => AssertSyn(Decode(EthernetSyn()[14..], linkType));

    [Fact]
    public void Raw_ipv6_linktype_229() => AssertSyn(Decode(EthernetSyn(ipv6: true)[14..], LinkType.Ipv6));

    [Fact]
    public void Linux_sll()
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), 1); // ARPHRD_ETHER
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), 0x0800);
        AssertSyn(Decode([.. header, .. EthernetSyn()[14..]], LinkType.LinuxSll));
    }

    [Fact]
    public void Linux_sll2()
    {
        byte[] header = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(header, 0x86DD);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), 1);
        AssertSyn(Decode([.. header, .. EthernetSyn(ipv6: true)[14..]], LinkType.LinuxSll2));
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0 }, false)]   // AF_INET, little-endian host
    [InlineData(new byte[] { 0, 0, 0, 2 }, false)]   // AF_INET, big-endian host
    [InlineData(new byte[] { 30, 0, 0, 0 }, true)]   // AF_INET6 on macOS
    [InlineData(new byte[] { 0, 0, 0, 24 }, true)]   // AF_INET6 on OpenBSD, big-endian
    public void Bsd_null_loopback_in_either_host_byte_order(byte[] family, bool ipv6)
    {
        AssertSyn(Decode([.. family, .. EthernetSyn(ipv6)[14..]], LinkType.Null));
    }

    [Fact]
    public void Vxlan_inner_packet_is_the_one_accounted()
    {
        byte[] inner = EthernetSyn();
        byte[] vxlanPayload = [0x08, 0, 0, 0, 0, 0, 0x2A, 0, .. inner];
        byte[] frame = new byte[400];
        int length = PacketFactory.Udp(frame, Endpoint.Parse("192.168.0.1:40000"), Endpoint.Parse("192.168.0.2:4789"), vxlanPayload);
        DecodedPacket packet = Decode(frame[..length], LinkType.Ethernet);
        AssertSyn(packet);
        Assert.Equal(TunnelKind.Vxlan, packet.Tunnel);
        Assert.Equal(NetAddress.Parse("10.0.0.4"), packet.Source);
    }

    [Fact]
    public void Icmp_error_names_the_flow_it_quotes()
    {
        byte[] offending = EthernetSyn();
        byte[] frame = new byte[400];
        int length = PacketFactory.IcmpError(frame, NetAddress.Parse("10.0.0.1"), Client.Address, 3, 4, 1400, offending);
        DecodedPacket packet = Decode(frame[..length], LinkType.Ethernet);

        Assert.True(packet.IsIcmp);
        Assert.Equal(1400, packet.IcmpMtu);
        Assert.True(packet.HasQuotedDatagram);
        Assert.Equal(Client.Address, packet.QuotedSource);
        Assert.Equal(Server.Address, packet.QuotedDestination);
        Assert.Equal(443, packet.QuotedDestinationPort);
    }

    [Fact]
    public void Nat_traversal_separates_ike_esp_and_keepalives()
    {
        byte[] frame = new byte[400];
        Endpoint a = Endpoint.Parse("203.0.113.1:4500");
        Endpoint b = Endpoint.Parse("198.51.100.1:4500");
        byte[] ike = new byte[40];
        ike[17] = 0x20; // IKEv2
        ike[18] = 34;   // IKE_SA_INIT

        DecodedPacket marker = Decode(frame[..PacketFactory.Udp(frame, a, b, [0, 0, 0, 0, .. ike])], LinkType.Ethernet);
        Assert.True(marker.IsIke);
        Assert.Equal(2, marker.IkeVersion);
        Assert.Equal(34, marker.IkeExchangeType);

        DecodedPacket esp = Decode(frame[..PacketFactory.Udp(frame, a, b, [0xf4, 0xdc, 0x0a, 0xe5, 0, 0, 0, 1, 9, 9])], LinkType.Ethernet);
        Assert.True(esp.IsEsp);
        Assert.Equal(0xf4dc0ae5u, esp.EspSpi);

        DecodedPacket keepalive = Decode(frame[..PacketFactory.Udp(frame, a, b, [0xFF])], LinkType.Ethernet);
        Assert.True(keepalive.IsNatKeepalive);
    }

    [Fact]
    public void Ipv4_total_length_beyond_the_frame_is_malformed_unless_the_snap_length_cut_it()
    {
        byte[] frame = EthernetSyn();
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 2), 1400);

        Assert.Equal(MalformedReason.Ipv4TotalLength, Decode(frame, LinkType.Ethernet).Malformed);

        var packet = new DecodedPacket();
        new PacketDecoder().Decode(frame, (int)LinkType.Ethernet, frameTruncated: true, 0, packet);
        Assert.Equal(MalformedReason.None, packet.Malformed);
        Assert.True(packet.HasTcpHeader);
    }
}
