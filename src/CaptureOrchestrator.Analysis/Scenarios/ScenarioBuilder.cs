using CaptureOrchestrator.Analysis.Capture;
using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Scenarios;

public enum CaptureFileFormat
{
    Pcap,
    PcapNanoseconds,
    PcapNg,
}

/// <summary>
/// Describes conversations in terms an engineer would use ("handshake, client sends 2 KB,
/// server resets") and writes them as a valid capture file. Packets of all conversations are
/// merged in time order.
/// </summary>
public sealed class ScenarioBuilder
{
    private readonly List<(long Nanoseconds, long Order, byte[] Frame)> _packets = [];
    private long _order;

    public ScenarioBuilder(DateTimeOffset? start = null)
    {
        StartNanoseconds = ((start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) - DateTimeOffset.UnixEpoch).Ticks * 100;
    }

    public long StartNanoseconds { get; }

    public int PacketCount => _packets.Count;

    public TcpConversation Tcp(string client, string server, TimeSpan? startAfter = null, ushort mss = 1460, uint initialSequence = 1_000_000) =>
        new(this, Endpoint.Parse(client), Endpoint.Parse(server), StartNanoseconds + (long)(startAfter ?? TimeSpan.Zero).TotalNanoseconds, mss, initialSequence);

    public UdpConversation Udp(string client, string server, TimeSpan? startAfter = null) =>
        new(this, Endpoint.Parse(client), Endpoint.Parse(server), StartNanoseconds + (long)(startAfter ?? TimeSpan.Zero).TotalNanoseconds);

    internal void Add(long nanoseconds, ReadOnlySpan<byte> frame) => _packets.Add((nanoseconds, _order++, frame.ToArray()));

    /// <summary>Adds a prepared frame (e.g. one cut from another scenario) at the given time.</summary>
    public ScenarioBuilder AddFrame(long nanoseconds, ReadOnlySpan<byte> frame)
    {
        Add(nanoseconds, frame);
        return this;
    }

    /// <summary>Frames in time order (ties keep the order they were described in).</summary>
    public IEnumerable<(long Nanoseconds, byte[] Frame)> Packets() =>
        _packets.OrderBy(p => p.Nanoseconds).ThenBy(p => p.Order).Select(p => (p.Nanoseconds, p.Frame));

    public void WriteTo(Stream stream, CaptureFileFormat format = CaptureFileFormat.Pcap, bool leaveOpen = true)
    {
        using ICaptureWriter writer = CreateWriter(stream, format, leaveOpen);
        foreach ((long ns, byte[] frame) in Packets())
        {
            writer.WritePacket(ns, frame);
        }
    }

    public byte[] ToArray(CaptureFileFormat format = CaptureFileFormat.Pcap)
    {
        using var memory = new MemoryStream();
        WriteTo(memory, format);
        return memory.ToArray();
    }

    public static ICaptureWriter CreateWriter(Stream stream, CaptureFileFormat format, bool leaveOpen)
    {
        if (format == CaptureFileFormat.PcapNg)
        {
            var writer = new PcapNgWriter(stream, leaveOpen: leaveOpen);
            writer.AddInterface(new PcapNgInterface((int)LinkType.Ethernet, TimestampResolution: 9, Name: "eth0"));
            return writer;
        }

        return new PcapWriter(stream, LinkType.Ethernet, nanoseconds: format == CaptureFileFormat.PcapNanoseconds, leaveOpen: leaveOpen);
    }
}

/// <summary>A TCP connection between a client and a server, described step by step.</summary>
public sealed class TcpConversation
{
    private readonly ScenarioBuilder _scenario;
    private readonly byte[] _frame = new byte[PacketFactory.MaxFrame];
    private readonly uint _initialClientSeq;
    private uint _clientSeq;
    private uint _serverSeq = 3_000_000;
    private ushort _clientIpId = 100;
    private ushort _serverIpId = 5000;
    private int _lastLength;
    private bool _lastFromClient;
    private uint _lastSeq;

    internal TcpConversation(ScenarioBuilder scenario, Endpoint client, Endpoint server, long startNanoseconds, ushort mss, uint initialSequence)
    {
        _initialClientSeq = _clientSeq = initialSequence;
        _scenario = scenario;
        Client = client;
        Server = server;
        Now = startNanoseconds;
        Mss = mss;
    }

    public Endpoint Client { get; }

    public Endpoint Server { get; }

    public ushort Mss { get; }

    /// <summary>Time of the next packet (nanoseconds since the epoch).</summary>
    public long Now { get; private set; }

    /// <summary>Set the DF bit on segments (default true, as Linux and Windows do).</summary>
    public bool DontFragment { get; set; } = true;

    /// <summary>Frame bytes of the last packet written (for quoting in ICMP errors).</summary>
    public byte[] LastFrame { get; private set; } = [];

    public TcpConversation Wait(TimeSpan gap)
    {
        Now += (long)gap.TotalNanoseconds;
        return this;
    }

    public TcpConversation Syn() => Emit(fromClient: true, TcpFlags.Syn, 0, handshake: true);

    public TcpConversation SynAck() => Emit(fromClient: false, TcpFlags.Syn | TcpFlags.Ack, 0, handshake: true);

    public TcpConversation Ack(bool fromClient = true) => Emit(fromClient, TcpFlags.Ack, 0);

    /// <summary>SYN, SYN-ACK, ACK with the given round-trip time split evenly.</summary>
    public TcpConversation Handshake(TimeSpan? rtt = null)
    {
        TimeSpan half = (rtt ?? TimeSpan.FromMilliseconds(2)) / 2;
        return Syn().Wait(half).SynAck().Wait(half).Ack();
    }

    /// <summary>Sends <paramref name="bytes"/> in MSS-sized segments, each acknowledged by the peer.</summary>
    public TcpConversation Send(bool fromClient, int bytes, TimeSpan? gap = null)
    {
        TimeSpan step = gap ?? TimeSpan.FromMicroseconds(200);
        while (bytes > 0)
        {
            int length = Math.Min(bytes, Mss);
            Emit(fromClient, TcpFlags.Ack | TcpFlags.Psh, length);
            Wait(step);
            Ack(!fromClient);
            Wait(step);
            bytes -= length;
        }

        return this;
    }

    public TcpConversation ClientSends(int bytes) => Send(fromClient: true, bytes);

    public TcpConversation ServerSends(int bytes) => Send(fromClient: false, bytes);

    /// <summary>Sends these exact bytes (e.g. TLS records) in MSS-sized segments, each acknowledged by the peer.</summary>
    public TcpConversation SendBytes(bool fromClient, ReadOnlySpan<byte> data, TimeSpan? gap = null)
    {
        TimeSpan step = gap ?? TimeSpan.FromMicroseconds(200);
        while (!data.IsEmpty)
        {
            int length = Math.Min(data.Length, Mss);
            Emit(fromClient, TcpFlags.Ack | TcpFlags.Psh, length, payload: data[..length]);
            Wait(step);
            Ack(!fromClient);
            Wait(step);
            data = data[length..];
        }

        return this;
    }

    /// <summary>One data segment without waiting for an ACK.</summary>
    public TcpConversation Segment(bool fromClient, int length) => Emit(fromClient, TcpFlags.Ack | TcpFlags.Psh, length);

    /// <summary>Sends the last data segment again (same sequence number); before any data, the SYN.</summary>
    public TcpConversation Retransmit()
    {
        if (_lastLength == 0)
        {
            _clientSeq = _initialClientSeq;
            return Emit(fromClient: true, TcpFlags.Syn, 0, handshake: true);
        }

        if (_lastFromClient)
        {
            _clientSeq = _lastSeq;
        }
        else
        {
            _serverSeq = _lastSeq;
        }

        return Emit(_lastFromClient, TcpFlags.Ack | TcpFlags.Psh, _lastLength);
    }

    /// <summary>An ACK advertising <paramref name="window"/> (the raw header field; the peer scales it by the negotiated shift, 7).</summary>
    public TcpConversation AckWithWindow(bool fromClient, ushort window) => Emit(fromClient, TcpFlags.Ack, 0, window: window);

    /// <summary>Advertises a zero receive window from one side.</summary>
    public TcpConversation ZeroWindow(bool fromClient) => Emit(fromClient, TcpFlags.Ack, 0, window: 0);

    public TcpConversation Reset(bool fromClient) => Emit(fromClient, TcpFlags.Rst | TcpFlags.Ack, 0);

    /// <summary>A RST without ACK, as sent in answer to a SYN on a closed port.</summary>
    public TcpConversation RefuseSyn() => Emit(fromClient: false, TcpFlags.Rst | TcpFlags.Ack, 0);

    public TcpConversation Fin(bool fromClient) => Emit(fromClient, TcpFlags.Fin | TcpFlags.Ack, 0);

    /// <summary>Orderly close started by the client: FIN, FIN, ACK.</summary>
    public TcpConversation Close(TimeSpan? gap = null)
    {
        TimeSpan step = gap ?? TimeSpan.FromMicroseconds(200);
        return Fin(fromClient: true).Wait(step).Fin(fromClient: false).Wait(step).Ack();
    }

    private TcpConversation Emit(bool fromClient, TcpFlags flags, int length, bool handshake = false, ushort window = 64_240, ReadOnlySpan<byte> payload = default)
    {
        Endpoint source = fromClient ? Client : Server;
        Endpoint destination = fromClient ? Server : Client;
        uint seq = fromClient ? _clientSeq : _serverSeq;
        uint ack = (flags & TcpFlags.Ack) != 0 ? (fromClient ? _serverSeq : _clientSeq) : 0;
        var segment = new TcpSegment(
            source, destination, seq, ack, flags, length, window,
            Mss: handshake ? Mss : (ushort)0,
            WindowScale: handshake ? (sbyte)7 : (sbyte)-1,
            SackPermitted: handshake,
            DontFragment: DontFragment,
            IpId: fromClient ? _clientIpId++ : _serverIpId++);
        int frameLength = payload.IsEmpty ? PacketFactory.Tcp(_frame, segment) : PacketFactory.Tcp(_frame, segment, payload);
        LastFrame = _frame.AsSpan(0, frameLength).ToArray();
        _scenario.Add(Now, _frame.AsSpan(0, frameLength));

        uint advance = (uint)length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
        if (length > 0)
        {
            _lastFromClient = fromClient;
            _lastSeq = seq;
            _lastLength = length;
        }

        if (fromClient)
        {
            _clientSeq = seq + advance;
        }
        else
        {
            _serverSeq = seq + advance;
        }

        Now += 1_000; // packets of one conversation are at least 1 µs apart
        return this;
    }
}

/// <summary>A UDP exchange (DNS-like request/response or a one-way stream).</summary>
public sealed class UdpConversation
{
    private readonly ScenarioBuilder _scenario;
    private readonly byte[] _frame = new byte[PacketFactory.MaxFrame];

    internal UdpConversation(ScenarioBuilder scenario, Endpoint client, Endpoint server, long startNanoseconds)
    {
        _scenario = scenario;
        Client = client;
        Server = server;
        Now = startNanoseconds;
    }

    public Endpoint Client { get; }

    public Endpoint Server { get; }

    public long Now { get; private set; }

    public UdpConversation Wait(TimeSpan gap)
    {
        Now += (long)gap.TotalNanoseconds;
        return this;
    }

    public UdpConversation Send(bool fromClient, ReadOnlySpan<byte> payload)
    {
        int length = fromClient
            ? PacketFactory.Udp(_frame, Client, Server, payload)
            : PacketFactory.Udp(_frame, Server, Client, payload);
        _scenario.Add(Now, _frame.AsSpan(0, length));
        LastFrame = _frame.AsSpan(0, length).ToArray();
        Now += 1_000;
        return this;
    }

    /// <summary>The last datagram sent (for ICMP errors that quote it).</summary>
    public byte[] LastFrame { get; private set; } = [];

    public UdpConversation Send(bool fromClient, int bytes) => Send(fromClient, new byte[bytes]);

    /// <summary>
    /// Sends one UDP datagram of <paramref name="payloadLength"/> bytes split into IPv4 fragments
    /// of at most <paramref name="fragmentPayload"/> bytes, in order or reversed.
    /// </summary>
    public UdpConversation SendFragmented(bool fromClient, int payloadLength, int fragmentPayload = 1480, bool reverseOrder = false, bool dropLast = false, ushort ipId = 0x4242) =>
        SendFragmented(fromClient, new byte[payloadLength], fragmentPayload, reverseOrder, dropLast, ipId);

    /// <summary>Sends these exact bytes (e.g. a large IKE_AUTH) as one UDP datagram split into IPv4 fragments.</summary>
    public UdpConversation SendFragmented(bool fromClient, ReadOnlySpan<byte> payload, int fragmentPayload = 1480, bool reverseOrder = false, bool dropLast = false, ushort ipId = 0x4242)
    {
        int length = fromClient
            ? PacketFactory.Udp(_frame, Client, Server, payload, ipId)
            : PacketFactory.Udp(_frame, Server, Client, payload, ipId);
        List<byte[]> fragments = PacketFactory.FragmentIpv4(_frame.AsSpan(0, length), fragmentPayload);
        if (dropLast)
        {
            fragments.RemoveAt(fragments.Count - 1);
        }

        if (reverseOrder)
        {
            fragments.Reverse();
        }

        foreach (byte[] fragment in fragments)
        {
            _scenario.Add(Now, fragment);
            Now += 1_000;
        }

        return this;
    }
}

public static class ScenarioBuilderIcmpExtensions
{
    /// <summary>An ICMP error from <paramref name="reporter"/> about the last packet of <paramref name="conversation"/>.</summary>
    public static TcpConversation IcmpErrorFrom(this TcpConversation conversation, ScenarioBuilder scenario, string reporter, byte type, byte code, int mtu = 0)
    {
        AddIcmpError(scenario, conversation.Now, reporter, conversation.Client.Address, type, code, mtu, conversation.LastFrame);
        return conversation.Wait(TimeSpan.FromMicroseconds(1));
    }

    /// <summary>An ICMP error from <paramref name="reporter"/> about the last datagram the client of <paramref name="conversation"/> sent.</summary>
    public static UdpConversation IcmpErrorFrom(this UdpConversation conversation, ScenarioBuilder scenario, string reporter, byte type, byte code, int mtu = 0)
    {
        AddIcmpError(scenario, conversation.Now, reporter, conversation.Client.Address, type, code, mtu, conversation.LastFrame);
        return conversation.Wait(TimeSpan.FromMicroseconds(1));
    }

    private static void AddIcmpError(ScenarioBuilder scenario, long now, string reporter, NetAddress offendingSource, byte type, byte code, int mtu, byte[] offendingFrame)
    {
        byte[] frame = new byte[PacketFactory.MaxFrame];
        int length = PacketFactory.IcmpError(frame, NetAddress.Parse(reporter), offendingSource, type, code, mtu, offendingFrame);
        scenario.Add(now, frame.AsSpan(0, length));
    }
}
