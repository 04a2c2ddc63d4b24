using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>
/// Site-to-site VPN health from the packets: IKE requests without response, repeated
/// negotiation, NAT traversal in use, and ESP flowing in one direction only (tunnel up one way).
/// </summary>
public sealed class IpsecDetector : IDetector, IPacketObserver
{
    private const byte IkeV2SaInit = 34;
    private const byte IkeV1MainMode = 2;
    private const int RepeatedNegotiations = 3;
    private const int OneWayMinimumPackets = 10;
    private const int MaxPeers = 1000;
    private const int MaxSamples = 20;

    private readonly Dictionary<(NetAddress A, NetAddress B), Peer> _peers = [];

    public PacketInterest Interest => PacketInterest.Ipsec;

    public void OnPacket(DecodedPacket packet, Flow? flow, long packetNumber, long timestampNanoseconds)
    {
        if (!packet.IsIke && !packet.IsEsp && !packet.IsNatKeepalive)
        {
            return;
        }

        bool forward = packet.Source.CompareTo(packet.Destination) <= 0;
        var key = forward ? (packet.Source, packet.Destination) : (packet.Destination, packet.Source);
        if (!_peers.TryGetValue(key, out Peer? peer))
        {
            if (_peers.Count >= MaxPeers)
            {
                return;
            }

            _peers[key] = peer = new Peer(key.Item1, key.Item2, timestampNanoseconds);
        }

        peer.Last = timestampNanoseconds;
        if (packet.SourcePort == 4500 || packet.DestinationPort == 4500)
        {
            peer.NatTraversal = true;
        }

        if (peer.Packets.Count < MaxSamples)
        {
            peer.Packets.Add(packetNumber);
        }

        if (packet.IsEsp)
        {
            if (forward)
            {
                peer.EspAtoB++;
            }
            else
            {
                peer.EspBtoA++;
            }

            return;
        }

        if (!packet.IsIke)
        {
            return;
        }

        // IKE: requests carry the initiator's SPI; a response (IKEv2 flag, or any packet from the
        // other peer for IKEv1) shows the responder is alive.
        peer.IkeVersion = packet.IkeVersion;
        bool isSaInit = (packet.IkeVersion == 2 && packet.IkeExchangeType == IkeV2SaInit) || (packet.IkeVersion == 1 && packet.IkeExchangeType == IkeV1MainMode && packet.IkeResponderSpi == 0);
        if (packet.IkeVersion == 2 ? packet.IkeIsResponse : peer.IkeInitiator is { } initiator && packet.Source != initiator)
        {
            peer.IkeResponses++;
            return;
        }

        peer.IkeInitiator ??= packet.Source;
        peer.IkeRequests++;
        if (isSaInit && packet.IkeResponderSpi == 0 && peer.InitiatorSpis.Count < 64)
        {
            peer.InitiatorSpis.Add(packet.IkeInitiatorSpi);
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        foreach (Peer peer in _peers.Values)
        {
            string pair = $"{peer.A} ↔ {peer.B}";
            string filter = $"(isakmp || esp || udp.port==4500) && {FlowText.AddressField(peer.A)}.addr=={peer.A} && {FlowText.AddressField(peer.B)}.addr=={peer.B}";
            if (peer.IkeRequests > 0 && peer.IkeResponses == 0)
            {
                NetAddress initiator = peer.IkeInitiator ?? peer.A;
                NetAddress responder = initiator == peer.A ? peer.B : peer.A;
                yield return Build(peer, FindingCodes.IkeNoResponse, FindingSeverity.Error,
                    $"IKE requests from {initiator} to {responder} get no response ({FlowText.Count(peer.IkeRequests, "request", "requests")})",
                    $"The VPN tunnel cannot come up: {responder} never answers IKE from {initiator}.",
                    $"{initiator} tries to negotiate the tunnel (IKEv{peer.IkeVersion}) and {responder} never replies. Either UDP 500/4500 does not reach {responder} "
                    + "(firewall, NAT, wrong public IP) or the peer ignores it (mismatched peer address or pre-shared key identity).",
                    "Check the local network gateway's address and the on-premises device's peer address, that UDP 500 and 4500 are allowed both ways on the on-premises firewall, "
                    + "and the VPN gateway's IKE diagnostic log (GatewayDiagnosticLog / IKEDiagnosticLog in Log Analytics) for this connection.",
                    filter, peer.IkeRequests);
            }

            if (peer.InitiatorSpis.Count >= RepeatedNegotiations)
            {
                yield return Build(peer, FindingCodes.IkeRenegotiation, FindingSeverity.Warning,
                    $"IKE negotiation between {pair} started {peer.InitiatorSpis.Count} times",
                    "The VPN peers keep starting new IKE negotiations: the tunnel flaps or never settles.",
                    $"{peer.InitiatorSpis.Count} separate IKE_SA_INIT / Main Mode exchanges (different initiator SPIs) in {FlowText.Seconds((peer.Last - peer.First) / 1e9)}. "
                    + "Repeated negotiation means each attempt fails (proposal mismatch, authentication failure, DPD timeouts) or the SA is torn down and rebuilt.",
                    "Compare IPsec/IKE policies on both sides (encryption, integrity, DH group, lifetimes) with the connection's custom policy; read the gateway's IKE diagnostic log for the failure reason; "
                    + "check that only one side initiates if the device requires it.",
                    filter, peer.InitiatorSpis.Count);
            }

            if (peer.NatTraversal)
            {
                yield return Build(peer, FindingCodes.IpsecNatTraversal, FindingSeverity.Info,
                    $"IPsec between {pair} uses NAT traversal (UDP 4500)",
                    "The VPN runs over NAT traversal: a NAT device sits between the peers.",
                    "IKE moved to UDP 4500 and ESP is carried inside UDP (RFC 3948), which happens when a NAT is detected between the peers. That works, but the NAT must keep the UDP mapping alive (NAT keepalives).",
                    "Nothing to fix unless the tunnel drops when idle: then check the NAT device's UDP timeout and that UDP 4500 is allowed both ways.",
                    "udp.port==4500", 0);
            }

            long espTotal = peer.EspAtoB + peer.EspBtoA;
            if (espTotal >= OneWayMinimumPackets && (peer.EspAtoB == 0 || peer.EspBtoA == 0))
            {
                NetAddress sender = peer.EspAtoB > 0 ? peer.A : peer.B;
                NetAddress silent = sender == peer.A ? peer.B : peer.A;
                yield return Build(peer, FindingCodes.EspOneWay, FindingSeverity.Error,
                    $"ESP flows only from {sender} to {silent} ({FlowText.Count(espTotal, "packet", "packets")}, none back)",
                    $"The VPN tunnel is up in one direction only: {silent} sends no ESP back.",
                    $"Encrypted traffic leaves {sender} but nothing comes back from {silent}. The tunnel negotiated, but the other side does not route the return traffic into it "
                    + "(traffic selectors / encryption domain mismatch, missing route for the Azure address space on-premises, or a firewall dropping ESP).",
                    "Check that the traffic selectors (local and remote address spaces) match exactly on both sides (or enable policy-based traffic selectors), that on-premises routes the Azure VNet ranges into the tunnel, "
                    + "and the connection's ingress/egress byte counters in the portal; Network Watcher VPN troubleshoot gives the gateway's view.",
                    filter, espTotal);
            }
        }
    }

    private static Finding Build(Peer peer, string code, FindingSeverity severity, string title, string verdict, string explanation, string nextStep, string filter, double weight) => new()
    {
        Code = code,
        Severity = severity,
        Title = title,
        Verdict = verdict,
        Explanation = explanation,
        NextStep = nextStep,
        WiresharkFilter = filter,
        Packets = peer.Packets,
        FirstNanoseconds = peer.First,
        LastNanoseconds = peer.Last,
        Facts = new Dictionary<string, double>
        {
            ["ikeRequests"] = peer.IkeRequests,
            ["ikeResponses"] = peer.IkeResponses,
            ["negotiations"] = peer.InitiatorSpis.Count,
            ["espAtoB"] = peer.EspAtoB,
            ["espBtoA"] = peer.EspBtoA,
        },
        Weight = weight,
    };

    private sealed class Peer(NetAddress a, NetAddress b, long first)
    {
        public NetAddress A { get; } = a;

        public NetAddress B { get; } = b;

        public long First { get; } = first;

        public long Last { get; set; }

        public NetAddress? IkeInitiator { get; set; }

        public byte IkeVersion { get; set; }

        public long IkeRequests { get; set; }

        public long IkeResponses { get; set; }

        public HashSet<ulong> InitiatorSpis { get; } = [];

        public bool NatTraversal { get; set; }

        public long EspAtoB { get; set; }

        public long EspBtoA { get; set; }

        public List<long> Packets { get; } = [];
    }
}
