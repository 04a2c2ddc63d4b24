namespace CaptureOrchestrator.Core.Requests;

/// <summary>
/// What a ticket system sends to start a capture (POST /api/captures), as it arrives: plain values,
/// validated by <see cref="CaptureRequestValidator"/> before anything starts.
/// </summary>
public sealed record CaptureRequest
{
    public TicketReference? Ticket { get; init; }

    public IReadOnlyList<CaptureTargetRequest>? Targets { get; init; }

    public TrafficFilterRequest? Filter { get; init; }

    /// <summary>How long each capture runs.</summary>
    public int? DurationSeconds { get; init; }

    /// <summary>Upper bound of capture data per target (Network Watcher stops the session there).</summary>
    public long? MaxBytesPerTarget { get; init; }

    /// <summary>Bytes kept of each packet; 0 or absent keeps whole packets.</summary>
    public int? BytesPerPacket { get; init; }

    /// <summary>Switch Azure Firewall flow trace on for the capture window.</summary>
    public FlowTraceLeaseRequest? FlowTrace { get; init; }

    /// <summary>Where the signed result callback goes; its host must be on the allowlist.</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>
    /// The targets lie on one path and are listed in its order, client side first (for example VM,
    /// firewall, VPN gateway): the report correlates their captures and leads with where packets stop appearing.
    /// </summary>
    public bool? Path { get; init; }
}

/// <summary>The ticket an operation belongs to; (System, Id, ClientRequestId) makes a POST idempotent.</summary>
public sealed record TicketReference(string? System, string? Id, string? ClientRequestId = null);

/// <summary>One thing to capture on.</summary>
/// <param name="ResourceId">A VM, scale set, VPN gateway or connection, Virtual WAN VPN gateway or connection, or Azure Firewall.</param>
/// <param name="Instances">Scale set instance ids to capture on (all when absent).</param>
/// <param name="LinkConnections">Virtual WAN VPN connection: the site link connections to capture.</param>
public sealed record CaptureTargetRequest(string? ResourceId, IReadOnlyList<string>? Instances = null, IReadOnlyList<string>? LinkConnections = null);

/// <summary>Which traffic to keep, seen from the target ("local" is the target's side).</summary>
public sealed record TrafficFilterRequest(string? LocalIp = null, string? RemoteIp = null, int? LocalPort = null, int? RemotePort = null, string? Protocol = null);

/// <summary>Flow trace on a firewall for a while (POST /api/flowtrace, or as part of a capture).</summary>
public sealed record FlowTraceLeaseRequest(string? FirewallId, string? WorkspaceId, int? Minutes);
