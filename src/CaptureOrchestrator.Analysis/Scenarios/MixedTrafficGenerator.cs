using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Writing;

namespace CaptureOrchestrator.Analysis.Scenarios;

/// <summary>What <see cref="MixedTrafficGenerator"/> wrote.</summary>
/// <param name="Packets">Frames written.</param>
/// <param name="Bytes">Bytes of capture file written (records and their headers).</param>
/// <param name="Flows">TCP connections.</param>
/// <param name="Retransmissions">Data segments sent again.</param>
/// <param name="ResetFlows">Connections ended by a reset.</param>
/// <param name="UnansweredFlows">Connections whose SYNs got no answer.</param>
/// <param name="DnsLookups">DNS query/response exchanges (UDP flows besides the TCP ones).</param>
/// <param name="DuplicateFrames">Data segments written twice, as a capture on two interfaces records them.</param>
public sealed record GeneratedTraffic(long Packets, long Bytes, long Flows, long Retransmissions, long ResetFlows, long UnansweredFlows, long DnsLookups = 0, long DuplicateFrames = 0);

/// <summary>
/// Streams a large capture of interleaved TCP connections straight to a writer, so benchmark files
/// of any size are reproducible from a seed without holding them in memory. It looks like what a
/// VM's NIC sees: a DNS lookup before a quarter of the connections (2 % NXDOMAIN), TLS handshakes
/// on 443 (TLS 1.3, and one in three TLS 1.2 with its certificate chain in clear) followed by
/// application-data records, HTTP requests and responses on 80, bytes that are not the port's
/// protocol on 1433 / 3389 / 22 / 5432 / 8080, data segments of 60–1514 byte frames, ACKs, some
/// retransmissions, resets and unanswered SYNs, and a few data frames captured twice.
/// </summary>
public sealed class MixedTrafficGenerator
{
    private const int ConcurrentFlows = 2_000;
    private const int MinimumFrame = 60;
    private const int Servers = 64;
    private static readonly ushort[] ServerPorts = [443, 443, 443, 443, 443, 80, 80, 1433, 3389, 22, 5432, 8080];
    private static readonly Endpoint Resolver = new(NetAddress.FromIPv4(0xA83F_8110u), 53); // 168.63.129.16

    private readonly Random _random;
    private readonly byte[] _frame = new byte[PacketFactory.MaxFrame];
    private readonly FlowPlan[] _active = new FlowPlan[ConcurrentFlows];
    private readonly byte[] _payload = new byte[PacketFactory.MaxFrame];
    private readonly RealisticPayloads _content;
    private long _now;
    private long _flowCounter;
    private long _packets;
    private long _bytes;
    private long _retransmissions;
    private long _resets;
    private long _unanswered;
    private long _dnsLookups;
    private long _duplicates;

    public MixedTrafficGenerator(int seed, DateTimeOffset? start = null)
    {
        _random = new Random(seed);
        _content = new RealisticPayloads(_random, Servers);
        _now = ((start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) - DateTimeOffset.UnixEpoch).Ticks * 100;
    }

    /// <summary>Writes packets until at least <paramref name="targetBytes"/> of capture file are produced.</summary>
    public GeneratedTraffic Write(ICaptureWriter writer, long targetBytes)
    {
        for (int i = 0; i < _active.Length; i++)
        {
            _active[i] = NewFlow();
        }

        while (_bytes < targetBytes)
        {
            int slot = _random.Next(_active.Length);
            ref FlowPlan flow = ref _active[slot];
            EmitNext(writer, ref flow);
            if (flow.Done)
            {
                flow = NewFlow();
            }
        }

        // Finish what is open so every flow in the file is complete.
        for (int i = 0; i < _active.Length; i++)
        {
            while (!_active[i].Done)
            {
                EmitNext(writer, ref _active[i]);
            }
        }

        writer.Flush();
        return new GeneratedTraffic(_packets, _bytes, _flowCounter, _retransmissions, _resets, _unanswered, _dnsLookups, _duplicates);
    }

    private FlowPlan NewFlow()
    {
        long n = ++_flowCounter;
        var client = new Endpoint(NetAddress.FromIPv4(0x0A00_0000u | (uint)(n % 0x00FF_FFFF)), (ushort)(10_000 + (n % 50_000)));
        int serverIndex = _random.Next(Servers);
        var server = new Endpoint(NetAddress.FromIPv4(0x0A64_0000u | (uint)(serverIndex + 1)), ServerPorts[_random.Next(ServerPorts.Length)]);
        int roll = _random.Next(100);
        var kind = roll < 2 ? FlowKind.Unanswered : roll < 5 ? FlowKind.Reset : FlowKind.Normal;
        return new FlowPlan
        {
            Client = client,
            Server = server,
            ServerIndex = serverIndex,
            Tls12 = _random.Next(3) == 0,
            Step = _random.Next(4) == 0 ? -2 : 0, // a DNS lookup first for a quarter of them
            Kind = kind,
            DataSegments = _random.Next(1, 9),
            RetransmitAt = _random.Next(100) < 6 ? _random.Next(1, 4) : -1,
            ClientSeq = (uint)_random.Next(),
            ServerSeq = (uint)_random.Next(),
        };
    }

    private void EmitNext(ICaptureWriter writer, ref FlowPlan flow)
    {
        _now += _random.Next(1_000, 20_000);
        int step = flow.Step++;
        if (step < 0)
        {
            Dns(writer, ref flow, query: step == -2);
            return;
        }

        if (flow.Kind == FlowKind.Unanswered)
        {
            // SYN and two retransmitted SYNs, never answered.
            Tcp(writer, ref flow, true, TcpFlags.Syn, 0, handshake: true, rewindTo: flow.ClientIsn(step));
            if (step == 2)
            {
                _unanswered++;
                flow.Done = true;
            }

            return;
        }

        switch (step)
        {
            case 0:
                Tcp(writer, ref flow, true, TcpFlags.Syn, 0, handshake: true);
                return;
            case 1:
                Tcp(writer, ref flow, false, TcpFlags.Syn | TcpFlags.Ack, 0, handshake: true);
                return;
            case 2:
                Tcp(writer, ref flow, true, TcpFlags.Ack, 0);
                return;
        }

        int dataStep = step - 3;
        if (dataStep < flow.DataSegments * 2)
        {
            bool isData = dataStep % 2 == 0;
            bool fromClient = (dataStep / 2) % 3 == 0; // mostly server-to-client, like downloads
            if (isData)
            {
                int payload = _random.Next(6, 1461);
                if (dataStep / 2 == flow.RetransmitAt && flow.LastPayload > 0)
                {
                    // Resend the previous segment instead of new data.
                    _retransmissions++;
                    flow.RetransmitAt = -1;
                    Tcp(writer, ref flow, flow.LastFromClient, TcpFlags.Ack | TcpFlags.Psh, flow.LastPayload, retransmit: true);
                    return;
                }

                Tcp(writer, ref flow, fromClient, TcpFlags.Ack | TcpFlags.Psh, payload);
            }
            else
            {
                Tcp(writer, ref flow, !flow.LastFromClient, TcpFlags.Ack, 0);
            }

            return;
        }

        int closeStep = dataStep - flow.DataSegments * 2;
        if (flow.Kind == FlowKind.Reset)
        {
            Tcp(writer, ref flow, false, TcpFlags.Rst | TcpFlags.Ack, 0);
            _resets++;
            flow.Done = true;
            return;
        }

        switch (closeStep)
        {
            case 0:
                Tcp(writer, ref flow, true, TcpFlags.Fin | TcpFlags.Ack, 0);
                break;
            case 1:
                Tcp(writer, ref flow, false, TcpFlags.Fin | TcpFlags.Ack, 0);
                break;
            default:
                Tcp(writer, ref flow, true, TcpFlags.Ack, 0);
                flow.Done = true;
                break;
        }
    }

    private void Tcp(ICaptureWriter writer, ref FlowPlan flow, bool fromClient, TcpFlags flags, int payload, bool handshake = false, bool retransmit = false, uint? rewindTo = null)
    {
        if (rewindTo is { } isn)
        {
            flow.ClientSeq = isn;
        }

        uint seq = fromClient ? flow.ClientSeq : flow.ServerSeq;
        if (retransmit)
        {
            seq = flow.LastSeq;
        }

        uint ack = (flags & TcpFlags.Ack) != 0 ? (fromClient ? flow.ServerSeq : flow.ClientSeq) : 0;
        var segment = new TcpSegment(
            fromClient ? flow.Client : flow.Server,
            fromClient ? flow.Server : flow.Client,
            seq, ack, flags, payload,
            Mss: handshake ? (ushort)1460 : (ushort)0,
            WindowScale: handshake ? (sbyte)8 : (sbyte)-1,
            SackPermitted: handshake,
            IpId: (ushort)(flow.IpId++));
        // A resend carries the same bytes as the original.
        ReadOnlySpan<byte> content = payload == 0 ? default
            : retransmit ? flow.LastContent.AsSpan(0, flow.LastPayload)
            : Content(ref flow, fromClient, payload);
        int length = payload > 0 ? PacketFactory.Tcp(_frame, segment, content) : PacketFactory.Tcp(_frame, segment);
        payload = content.Length;
        length = Emit(writer, length);
        if (payload > 0 && _random.Next(1000) < 3)
        {
            // Captured twice (two interfaces, a mirror port): same bytes 1–2 µs later.
            writer.WritePacket(_now + _random.Next(1_000, 2_000), _frame.AsSpan(0, length));
            _packets++;
            _bytes += length + 16;
            _duplicates++;
        }

        if (!retransmit)
        {
            uint advance = (uint)payload + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
            if (payload > 0)
            {
                flow.LastSeq = seq;
                flow.LastPayload = payload;
                flow.LastFromClient = fromClient;
            }

            if (fromClient)
            {
                flow.ClientSeq = seq + advance;
            }
            else
            {
                flow.ServerSeq = seq + advance;
            }
        }
    }

    /// <summary>
    /// The bytes of a data segment of about <paramref name="length"/>: the protocol of the port for
    /// the first exchange (ClientHello and the server's flight, an HTTP request and response), then
    /// TLS records or body bytes; other ports carry bytes that are no protocol's.
    /// </summary>
    private ReadOnlySpan<byte> Content(ref FlowPlan flow, bool fromClient, int length)
    {
        Span<byte> buffer = _payload.AsSpan(0, Math.Max(length, 1460));
        int first = fromClient ? flow.ClientSegments++ : flow.ServerSegments++;
        int written;
        switch (flow.Server.Port)
        {
            case 443 when first == 0:
                ReadOnlySpan<byte> message = fromClient ? _content.ClientHello(flow.ServerIndex) : _content.ServerFlight(flow.ServerIndex, flow.Tls12);
                message.CopyTo(buffer);
                written = message.Length;
                break;
            case 443:
                written = _content.TlsApplicationData(buffer, length);
                break;
            case 80 when first == 0:
                written = fromClient ? _content.HttpRequest(buffer, flow.ServerIndex) : _content.HttpResponse(buffer, length);
                break;
            default:
                _content.Fill(buffer[..length]);
                written = length;
                break;
        }

        flow.LastContent ??= new byte[1460];
        buffer[..Math.Min(written, 1460)].CopyTo(flow.LastContent);
        return buffer[..Math.Min(written, 1460)];
    }

    /// <summary>The flow's DNS lookup of its server's name from Azure DNS: query, then the answer (NXDOMAIN for 2 %).</summary>
    private void Dns(ICaptureWriter writer, ref FlowPlan flow, bool query)
    {
        var client = new Endpoint(flow.Client.Address, (ushort)(33_000 + (flow.Client.Port % 20_000)));
        ushort id = (ushort)flow.Client.Port;
        byte[] message = query
            ? _content.DnsQuery(id, flow.ServerIndex)
            : _content.DnsResponse(id, flow.ServerIndex, flow.Server.Address.ToString(), missing: _random.Next(100) < 2);
        Emit(writer, query ? PacketFactory.Udp(_frame, client, Resolver, message) : PacketFactory.Udp(_frame, Resolver, client, message));
        _dnsLookups += query ? 1 : 0;
    }

    /// <summary>Writes the frame built in the buffer (padded to Ethernet's minimum) and counts it; returns its written length.</summary>
    private int Emit(ICaptureWriter writer, int length)
    {
        if (length < MinimumFrame)
        {
            _frame.AsSpan(length, MinimumFrame - length).Clear(); // Ethernet padding
            length = MinimumFrame;
        }

        writer.WritePacket(_now, _frame.AsSpan(0, length));
        _packets++;
        _bytes += length + 16;
        return length;
    }

    private enum FlowKind
    {
        Normal,
        Reset,
        Unanswered,
    }

    private struct FlowPlan
    {
        public Endpoint Client;
        public Endpoint Server;
        public int ServerIndex;
        public bool Tls12;
        public int ClientSegments;
        public int ServerSegments;
        public byte[]? LastContent;
        public FlowKind Kind;
        public int Step;
        public int DataSegments;
        public int RetransmitAt;
        public uint ClientSeq;
        public uint ServerSeq;
        public uint LastSeq;
        public int LastPayload;
        public bool LastFromClient;
        public int IpId;
        public bool Done;

        private uint _isn;
        private bool _isnKnown;

        /// <summary>The first SYN's sequence number, so retransmitted SYNs reuse it.</summary>
        public uint ClientIsn(int step)
        {
            if (!_isnKnown || step == 0)
            {
                _isn = ClientSeq;
                _isnKnown = true;
            }

            return _isn;
        }
    }
}
