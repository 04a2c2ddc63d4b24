namespace CaptureOrchestrator.Analysis.Flows;

/// <summary>Which side of a conversation is the server when the opening packet was not captured.</summary>
internal static class ServicePorts
{
    public static bool IsLikelyServer(ushort port) => port < 1024 || port is
        1433 or 1521 or 1723 or 2049 or 3306 or 3389 or 4500 or 4789 or 5432 or 5671 or 5672
        or 5985 or 5986 or 6379 or 6443 or 8080 or 8443 or 9092 or 9200 or 10250 or 27017;

    /// <summary>
    /// UDP services whose every request gets a response: Kerberos (88), NTP (123), IKE (500),
    /// RADIUS (1812). Not UDP 4500: NAT-T keepalives there are one-way by design, and IKE and ESP
    /// on 4500 are judged by the IPsec analysis, exchange by exchange.
    /// </summary>
    public static bool AlwaysAnswersOverUdp(ushort port) => port is 88 or 123 or 500 or 1812;
}
