using CaptureOrchestrator.Analysis.Decoding;
using CaptureOrchestrator.Analysis.Flows;

namespace CaptureOrchestrator.Analysis.Reporting;

/// <summary>Display filters that show a flow in Wireshark, like its "Conversation Filter".</summary>
public static class WiresharkFilters
{
    public static string ForFlow(Flow flow)
    {
        string addressField = flow.Key.AddressA.IsIPv4 ? "ip.addr" : "ipv6.addr";
        string a = flow.Key.AddressA.ToString();
        string b = flow.Key.AddressB.ToString();
        return flow.Protocol switch
        {
            IpProtocol.Tcp or IpProtocol.Udp =>
                $"{addressField}=={a} && {IpProtocol.Name(flow.Protocol)}.port=={flow.Key.PortA} && {addressField}=={b} && {IpProtocol.Name(flow.Protocol)}.port=={flow.Key.PortB}",
            IpProtocol.Icmp => $"{addressField}=={a} && {addressField}=={b} && icmp",
            IpProtocol.Icmpv6 => $"{addressField}=={a} && {addressField}=={b} && icmpv6",
            _ => $"{addressField}=={a} && {addressField}=={b} && {(flow.Key.AddressA.IsIPv4 ? "ip.proto" : "ipv6.nxt")}=={flow.Protocol}",
        };
    }
}
