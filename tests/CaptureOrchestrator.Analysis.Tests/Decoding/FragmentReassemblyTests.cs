using System.Buffers.Binary;
using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Scenarios;

namespace CaptureOrchestrator.Analysis.Tests.Decoding;

public sealed class FragmentReassemblyTests
{
    private static readonly Endpoint Client = Endpoint.Parse("10.0.0.4:5000");
    private static readonly Endpoint Server = Endpoint.Parse("10.0.1.5:4789");

    /// <summary>Splits an Ethernet/IPv4 frame into IPv4 fragments of at most <paramref name="chunk"/> payload bytes.</summary>
    private static List<byte[]> FragmentIpv4(byte[] frame, int chunk)
    {
        byte[] payload = frame[(14 + 20)..];
        var fragments = new List<byte[]>();
        for (int offset = 0; offset < payload.Length; offset += chunk)
        {
            int length = Math.Min(chunk, payload.Length - offset);
            byte[] fragment = [.. frame[..(14 + 20)], .. payload.AsSpan(offset, length)];
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(14 + 2), (ushort)(20 + length));
            bool more = offset + length < payload.Length;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(14 + 6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(14 + 4), 0x1234);
            fragments.Add(fragment);
        }

        return fragments;
    }

    /// <summary>Splits an Ethernet/IPv6 frame into fragments carried by an IPv6 fragment header.</summary>
    private static List<byte[]> FragmentIpv6(byte[] frame, int chunk)
    {
        byte next = frame[14 + 6];
        byte[] payload = frame[(14 + 40)..];
        var fragments = new List<byte[]>();
        for (int offset = 0; offset < payload.Length; offset += chunk)
        {
            int length = Math.Min(chunk, payload.Length - offset);
            bool more = offset + length < payload.Length;
            byte[] header = new byte[8];
            header[0] = next;
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(offset | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 0xABCD);
            byte[] fragment = [.. frame[..(14 + 40)], .. header, .. payload.AsSpan(offset, length)];
            fragment[14 + 6] = IpProtocol.Ipv6Fragment;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(14 + 4), (ushort)(8 + length));
            fragments.Add(fragment);
        }

        return fragments;
    }

    private static byte[] UdpFrame(Endpoint source, Endpoint destination, int payloadLength)
    {
        byte[] frame = new byte[PacketFactory.MaxFrame];
        int length = PacketFactory.Udp(frame, source, destination, new byte[payloadLength]);
        return frame[..length];
    }

    private static List<DecodedPacket> DecodeAll(PacketDecoder decoder, IEnumerable<byte[]> frames)
    {
        var results = new List<DecodedPacket>();
        long time = 0;
        foreach (byte[] frame in frames)
        {
            var packet = new DecodedPacket();
            decoder.Decode(frame, (int)LinkType.Ethernet, frameTruncated: false, time += 1000, packet);
            results.Add(packet);
        }

        return results;
    }

    [Fact]
    public void Ipv4_fragments_in_order_are_reassembled_and_attributed_to_the_flow()
    {
        var decoder = new PacketDecoder();
        List<DecodedPacket> packets = DecodeAll(decoder, FragmentIpv4(UdpFrame(Client, Endpoint.Parse("10.0.1.5:9000"), 3000), 1480));

        Assert.All(packets, p => Assert.True(p.IsFragment));
        Assert.All(packets, p => Assert.Equal(9000, p.DestinationPort)); // ports known from the first fragment
        Assert.True(packets[^1].CompletedReassembly);
        Assert.Equal(3000, packets[^1].PayloadLength);
        Assert.Equal(1, decoder.Fragments.Reassembled);
        Assert.Equal(0, decoder.Fragments.OutOfOrder);
    }

    [Fact]
    public void Out_of_order_ipv4_fragments_are_reassembled_and_counted_as_out_of_order()
    {
        var decoder = new PacketDecoder();
        List<byte[]> fragments = FragmentIpv4(UdpFrame(Client, Endpoint.Parse("10.0.1.5:9000"), 3000), 1480);
        fragments.Reverse();
        List<DecodedPacket> packets = DecodeAll(decoder, fragments);

        Assert.True(packets[^1].CompletedReassembly);
        Assert.Equal(1, decoder.Fragments.OutOfOrder);
        Assert.Equal(1, decoder.Fragments.Reassembled);
    }

    [Fact]
    public void Reassembled_tunnel_packet_is_decoded_to_its_inner_flow()
    {
        byte[] inner = new byte[PacketFactory.MaxFrame];
        int innerLength = PacketFactory.Tcp(inner, new TcpSegment(Endpoint.Parse("192.168.1.1:40000"), Endpoint.Parse("192.168.1.2:443"), 1, 0, TcpFlags.Syn, 1200));
        byte[] vxlan = [0x08, 0, 0, 0, 0, 0, 1, 0, .. inner.AsSpan(0, innerLength)];
        byte[] outer = new byte[PacketFactory.MaxFrame];
        int outerLength = PacketFactory.Udp(outer, Client, Server, vxlan);

        var decoder = new PacketDecoder();
        List<DecodedPacket> packets = DecodeAll(decoder, FragmentIpv4(outer[..outerLength], 800));

        DecodedPacket last = packets[^1];
        Assert.True(last.HasTcpHeader);
        Assert.Equal(TunnelKind.Vxlan, last.Tunnel);
        Assert.Equal(443, last.DestinationPort);
    }

    [Fact]
    public void Ipv6_fragment_header_is_reassembled()
    {
        var decoder = new PacketDecoder();
        byte[] frame = UdpFrame(Endpoint.Parse("[2001:db8::1]:5000"), Endpoint.Parse("[2001:db8::2]:9000"), 2500);
        List<DecodedPacket> packets = DecodeAll(decoder, FragmentIpv6(frame, 1232));

        Assert.All(packets, p => Assert.Equal(MalformedReason.None, p.Malformed));
        Assert.True(packets[0].IsFragment);
        Assert.Equal(9000, packets[0].DestinationPort);
        Assert.True(packets[^1].CompletedReassembly);
        Assert.Equal(2500, packets[^1].PayloadLength);
        Assert.Equal(3, decoder.Fragments.FragmentFrames);
    }

    [Fact]
    public void Overlapping_fragments_are_malformed_but_exact_copies_are_duplicates()
    {
        var decoder = new PacketDecoder();
        List<byte[]> fragments = FragmentIpv4(UdpFrame(Client, Endpoint.Parse("10.0.1.5:9000"), 3000), 1480);
        byte[] overlapping = (byte[])fragments[1].Clone();
        BinaryPrimitives.WriteUInt16BigEndian(overlapping.AsSpan(14 + 6), (ushort)(0x2000 | (800 / 8)));

        List<DecodedPacket> packets = DecodeAll(decoder, [fragments[0], fragments[0], overlapping]);

        Assert.Equal(MalformedReason.None, packets[1].Malformed);
        Assert.Equal(MalformedReason.FragmentOverlap, packets[2].Malformed);
        Assert.Equal(1, decoder.Fragments.DuplicateFragments);
    }

    [Fact]
    public void Missing_fragment_leaves_the_datagram_incomplete_at_the_end()
    {
        var decoder = new PacketDecoder();
        List<byte[]> fragments = FragmentIpv4(UdpFrame(Client, Endpoint.Parse("10.0.1.5:9000"), 3000), 1480);
        DecodeAll(decoder, [fragments[0], fragments[2]]);
        decoder.Complete();

        Assert.Equal(1, decoder.Fragments.Incomplete);
        Assert.Equal(0, decoder.Fragments.Reassembled);
    }
}
