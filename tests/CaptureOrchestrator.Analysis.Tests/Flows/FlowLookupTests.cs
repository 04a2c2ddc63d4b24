using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Tests.Flows;

/// <summary>
/// The flow table's open-addressed index against a dictionary doing the same operations. The
/// hash is an argument, so the tests choose it: colliding hashes build long probe runs, and hashes
/// at the end of the slot array make those runs wrap around, which is where backward-shift
/// deletion goes wrong if it goes wrong.
/// </summary>
public sealed class FlowLookupTests
{
    private const int SlotsAtStart = 1 << 12; // FlowLookup's minimum: expectedFlows below 2,048 get this many

    [Theory]
    [InlineData("real hashes", 0)]
    [InlineData("8 hashes only: long runs of collisions", 8)]
    [InlineData("hashes at the end of the slot array: runs wrap around", -16)]
    public void Matches_a_dictionary_through_adds_finds_and_removes(string shape, int hashSpread)
    {
        var random = new Random(20261208);
        var lookup = new FlowLookup(expectedFlows: 100);
        var reference = new Dictionary<FlowKey, Flow>();
        var keys = Enumerable.Range(0, 3_000).Select(KeyFor).ToArray();

        int Hash(FlowKey key) => hashSpread switch
        {
            0 => key.GetHashCode(),
            > 0 => (int)((uint)key.GetHashCode() % (uint)hashSpread),
            _ => SlotsAtStart + hashSpread + (int)((uint)key.GetHashCode() % (uint)-hashSpread), // the last 16 slots
        };

        for (int step = 0; step < 40_000; step++)
        {
            FlowKey key = keys[random.Next(keys.Length)];
            bool present = reference.ContainsKey(key);
            if (!present && random.Next(3) > 0 && reference.Count < 2_500)
            {
                Flow flow = NewFlow(key);
                lookup.Add(flow, Hash(key));
                reference.Add(key, flow);
            }
            else if (present && random.Next(2) == 0)
            {
                Assert.True(lookup.Remove(key, Hash(key)), $"{shape}: step {step} could not remove a present key");
                reference.Remove(key);
            }

            Assert.Same(reference.GetValueOrDefault(key), lookup.Find(key, Hash(key)));
            Assert.Equal(reference.Count, lookup.Count);
        }

        // Every key, present or not, answers as the dictionary does (past 2,048 flows the table grew).
        foreach (FlowKey key in keys)
        {
            Assert.Same(reference.GetValueOrDefault(key), lookup.Find(key, Hash(key)));
        }
    }

    [Fact]
    public void Removing_a_key_that_is_not_there_changes_nothing()
    {
        var lookup = new FlowLookup(expectedFlows: 10);
        FlowKey present = KeyFor(1);
        Flow flow = NewFlow(present);
        lookup.Add(flow, 7);

        Assert.False(lookup.Remove(KeyFor(2), 7)); // same hash, other key
        Assert.False(lookup.Remove(KeyFor(3), 8));
        Assert.Equal(1, lookup.Count);
        Assert.Same(flow, lookup.Find(present, 7));
    }

    [Fact]
    public void A_packet_and_its_reply_have_one_flow_key_and_hash()
    {
        DecodedPacket request = Packet("10.1.0.4", 50_000, "10.2.0.20", 1433);
        DecodedPacket reply = Packet("10.2.0.20", 1433, "10.1.0.4", 50_000);

        PacketFlowKey forward = PacketFlowKey.Of(request);
        PacketFlowKey backward = PacketFlowKey.Of(reply);

        Assert.True(forward.HasFlow);
        Assert.Equal(forward.Key, backward.Key);
        Assert.Equal(forward.Hash, backward.Hash);
        Assert.NotEqual(forward.SourceIsA, backward.SourceIsA);
    }

    [Fact]
    public void Packets_that_belong_to_no_flow_have_no_key()
    {
        Assert.False(PacketFlowKey.Of(new DecodedPacket { NonIpEtherType = 0x0806 }).HasFlow); // ARP

        DecodedPacket laterFragment = Packet("10.1.0.4", 0, "10.2.0.20", 0);
        laterFragment.HasTransport = false; // a later fragment whose first (with the ports) was not seen
        laterFragment.IsFragment = true;
        Assert.False(PacketFlowKey.Of(laterFragment).HasFlow);
    }

    private static FlowKey KeyFor(int i) =>
        FlowKey.Create(NetAddress.FromIPv4(0x0A01_0000u + (uint)(i / 100)), (ushort)(40_000 + i), NetAddress.FromIPv4(0x0A02_0014u), 443, IpProtocol.Tcp, out _);

    private static Flow NewFlow(FlowKey key)
    {
        var flow = new Flow();
        flow.Initialize(1, key, originatorIsA: true, packetNumber: 1, timestampNanoseconds: 0);
        return flow;
    }

    private static DecodedPacket Packet(string source, ushort sourcePort, string destination, ushort destinationPort) => new()
    {
        HasIp = true,
        HasTransport = true,
        IpVersion = 4,
        Protocol = IpProtocol.Udp,
        Source = NetAddress.Parse(source),
        Destination = NetAddress.Parse(destination),
        SourcePort = sourcePort,
        DestinationPort = destinationPort,
    };
}
