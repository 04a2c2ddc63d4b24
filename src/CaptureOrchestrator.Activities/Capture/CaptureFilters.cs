using CaptureOrchestrator.Azure.Network;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Activities.Capture;

/// <summary>One traffic filter, written the way each capture API wants it.</summary>
internal static class CaptureFilters
{
    public static IReadOnlyList<PacketCaptureFilter> ForNetworkWatcher(TrafficFilter filter) =>
        filter == TrafficFilter.Any
            ? []
            : [new PacketCaptureFilter
            {
                Protocol = filter.Protocol,
                LocalIPAddress = filter.LocalIp,
                RemoteIPAddress = filter.RemoteIp,
                LocalPort = filter.LocalPort?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                RemotePort = filter.RemotePort?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }];

    public static VpnPacketCaptureFilter ForVpnGateway(TrafficFilter filter)
    {
        if (filter == TrafficFilter.Any)
        {
            return new VpnPacketCaptureFilter();
        }

        return new VpnPacketCaptureFilter
        {
            Filters = [new VpnTrafficFilter
            {
                SourceSubnets = filter.LocalIp is null ? null : [HostPrefix(filter.LocalIp)],
                DestinationSubnets = filter.RemoteIp is null ? null : [HostPrefix(filter.RemoteIp)],
                SourcePort = filter.LocalPort is { } local ? [local] : null,
                DestinationPort = filter.RemotePort is { } remote ? [remote] : null,
                Protocol = filter.Protocol switch { "TCP" => 6, "UDP" => 17, _ => null },
            }],
        };
    }

    /// <summary>The firewall needs addresses on both sides and a destination port (it has no "all ports").</summary>
    public static FirewallPacketCaptureFilter ForFirewall(TrafficFilter filter, string targetName)
    {
        if (filter.MissingForFirewall() is { Count: > 0 } missing)
        {
            throw new PermanentFailureException($"{targetName}: an Azure Firewall capture needs {string.Join(", ", missing)} (source, destination and destination port)");
        }

        return new FirewallPacketCaptureFilter
        {
            Sources = [filter.LocalIp!],
            Destinations = [filter.RemoteIp!],
            DestinationPorts = [filter.RemotePort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        };
    }

    private static string HostPrefix(string address) => address + (address.Contains(':', StringComparison.Ordinal) ? "/128" : "/32");
}
