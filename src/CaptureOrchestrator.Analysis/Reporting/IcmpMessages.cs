namespace CaptureOrchestrator.Analysis.Reporting;

/// <summary>Plain names for ICMP and ICMPv6 error messages.</summary>
public static class IcmpMessages
{
    public static string Describe(byte ipVersion, int type, int code) => ipVersion == 6
        ? (type, code) switch
        {
            (1, 0) => "no route to destination",
            (1, 1) => "communication administratively prohibited",
            (1, 3) => "address unreachable",
            (1, 4) => "port unreachable",
            (1, 5) => "source address failed ingress/egress policy",
            (1, 6) => "reject route to destination",
            (1, _) => "destination unreachable",
            (2, _) => "packet too big",
            (3, 0) => "hop limit exceeded in transit",
            (3, 1) => "fragment reassembly time exceeded",
            (4, _) => "parameter problem",
            _ => $"ICMPv6 type {type} code {code}",
        }
        : (type, code) switch
        {
            (3, 0) => "network unreachable",
            (3, 1) => "host unreachable",
            (3, 2) => "protocol unreachable",
            (3, 3) => "port unreachable",
            (3, 4) => "fragmentation needed and DF set",
            (3, 9) or (3, 10) or (3, 13) => "communication administratively prohibited",
            (3, _) => "destination unreachable",
            (4, _) => "source quench",
            (5, _) => "redirect",
            (11, 0) => "TTL exceeded in transit",
            (11, 1) => "fragment reassembly time exceeded",
            (12, _) => "parameter problem",
            _ => $"ICMP type {type} code {code}",
        };
}
