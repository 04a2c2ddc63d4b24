namespace CaptureOrchestrator.Analysis.Findings;

/// <summary>Stable finding codes (documented in docs/findings.md; never renamed).</summary>
public static class FindingCodes
{
    public const string TcpSynUnanswered = "TCP_SYN_UNANSWERED";
    public const string TcpConnectionRefused = "TCP_CONNECTION_REFUSED";
    public const string IcmpUnreachable = "ICMP_UNREACHABLE";
    public const string TcpResetMidstream = "TCP_RESET_MIDSTREAM";
    public const string TcpIdleTimeoutReset = "TCP_IDLE_TIMEOUT_RESET";
    public const string TcpReusedAfterClose = "TCP_REUSED_AFTER_CLOSE";
    public const string AsymmetricRouting = "ASYMMETRIC_ROUTING";
    public const string TcpRetransmissions = "TCP_RETRANSMISSIONS";
    public const string TcpZeroWindow = "TCP_ZERO_WINDOW";
    public const string MtuBlackhole = "MTU_BLACKHOLE";
    public const string IcmpFragmentationNeeded = "ICMP_FRAGMENTATION_NEEDED";
    public const string MssExceedsTunnel = "MSS_EXCEEDS_TUNNEL";
    public const string IpFragmentation = "IP_FRAGMENTATION";
    public const string IpFragmentsOutOfOrder = "IP_FRAGMENTS_OUT_OF_ORDER";
    public const string IpFragmentsIncomplete = "IP_FRAGMENTS_INCOMPLETE";
    public const string IpFragmentOverlap = "IP_FRAGMENT_OVERLAP";
    public const string TlsAlert = "TLS_ALERT";
    public const string TlsIncompleteChain = "TLS_INCOMPLETE_CHAIN";
    public const string TlsSelfSigned = "TLS_SELF_SIGNED";
    public const string TlsCertExpired = "TLS_CERT_EXPIRED";
    public const string TlsNameMismatch = "TLS_NAME_MISMATCH";
    public const string Tls13CertificatesHidden = "TLS13_CERTIFICATES_HIDDEN";
    public const string DnsFailure = "DNS_FAILURE";
    public const string DnsUnanswered = "DNS_UNANSWERED";
    public const string DnsBackgroundLookups = "DNS_BACKGROUND_LOOKUPS";
    public const string DnsSlow = "DNS_SLOW";
    public const string IkeNoResponse = "IKE_NO_RESPONSE";
    public const string IkeExchangeUnanswered = "IKE_EXCHANGE_UNANSWERED";
    public const string IkeRenegotiation = "IKE_RENEGOTIATION";
    public const string IpsecNatTraversal = "IPSEC_NAT_TRAVERSAL";
    public const string EspOneWay = "ESP_ONE_WAY";
    public const string PortScan = "PORT_SCAN";
    public const string SnatExhaustionSuspected = "SNAT_EXHAUSTION_SUSPECTED";
    public const string SlowResponse = "SLOW_RESPONSE";
    public const string PacketsLostBetweenHops = "PACKETS_LOST_BETWEEN_HOPS";
    public const string CaptureDuplicateFrames = "CAPTURE_DUPLICATE_FRAMES";
    public const string CaptureDamaged = "CAPTURE_DAMAGED";
    public const string MalformedPackets = "MALFORMED_PACKETS";
    public const string CaptureEmpty = "CAPTURE_EMPTY";
    public const string CaptureSnapLengthTooShort = "CAPTURE_SNAP_LENGTH_TOO_SHORT";
    public const string FailedFlowsUnexplained = "FAILED_FLOWS_UNEXPLAINED";
    public const string Healthy = "HEALTHY";
}
