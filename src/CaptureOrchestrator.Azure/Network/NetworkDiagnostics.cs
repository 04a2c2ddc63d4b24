using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>IP flow verify: would the NSGs on the VM's NIC let this 5-tuple through?</summary>
public sealed record IpFlowVerifyRequest
{
    public required ArmResourceId TargetResourceId { get; init; }

    /// <summary>Inbound or Outbound, seen from the VM.</summary>
    public required string Direction { get; init; }

    /// <summary>TCP or UDP.</summary>
    public required string Protocol { get; init; }

    public required string LocalIPAddress { get; init; }

    public required string LocalPort { get; init; }

    public required string RemoteIPAddress { get; init; }

    public required string RemotePort { get; init; }

    /// <summary>Needed when the VM has several NICs.</summary>
    public ArmResourceId? TargetNicResourceId { get; init; }
}

/// <summary>Allow or Deny, and the NSG rule that decided.</summary>
public sealed record IpFlowVerifyResult(string Access, string? RuleName);

/// <summary>Next hop: where the VM's effective routes send a packet.</summary>
public sealed record NextHopRequest
{
    public required ArmResourceId TargetResourceId { get; init; }

    public required string SourceIPAddress { get; init; }

    public required string DestinationIPAddress { get; init; }

    public ArmResourceId? TargetNicResourceId { get; init; }
}

/// <summary>Internet, VirtualAppliance, VirtualNetworkGateway, VnetLocal, HyperNetGateway or None; the route table is "System Route" when no UDR matched.</summary>
public sealed record NextHopResult(string NextHopType, string? NextHopIpAddress, string? RouteTableId);

/// <summary>Connection troubleshoot from a VM to a resource or address.</summary>
public sealed record ConnectivityCheckRequest
{
    public required ConnectivitySource Source { get; init; }

    public required ConnectivityDestination Destination { get; init; }

    /// <summary>Tcp, Http, Https or Icmp; the service picks Tcp when omitted.</summary>
    public string? Protocol { get; init; }

    /// <summary>IPv4 or IPv6.</summary>
    public string? PreferredIPVersion { get; init; }
}

public sealed record ConnectivitySource(ArmResourceId ResourceId, int? Port = null);

public sealed record ConnectivityDestination(ArmResourceId? ResourceId = null, string? Address = null, int? Port = null);

public sealed record ConnectivityCheckResult(
    string ConnectionStatus,
    int? AvgLatencyInMs,
    int? MinLatencyInMs,
    int? MaxLatencyInMs,
    int? ProbesSent,
    int? ProbesFailed,
    IReadOnlyList<ConnectivityHop> Hops);

/// <summary>One hop on the path; ids here are the service's hop ids, resource ids are informative text.</summary>
public sealed record ConnectivityHop(
    string? Type,
    string? Id,
    string? Address,
    string? ResourceId,
    IReadOnlyList<string>? NextHopIds,
    IReadOnlyList<ConnectivityIssue>? Issues);

public sealed record ConnectivityIssue(string? Origin, string? Severity, string? Type);
