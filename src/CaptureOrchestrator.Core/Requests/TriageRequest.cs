namespace CaptureOrchestrator.Core.Requests;

/// <summary>
/// POST /api/triage: a capture plus path checks and log queries for one 5-tuple. Without
/// <see cref="CaptureRequest.Targets"/>, the capture runs on the path's VM.
/// </summary>
public sealed record TriageRequest
{
    public CaptureRequest? Capture { get; init; }

    public PathRequest? Path { get; init; }

    /// <summary>The Log Analytics workspace (customer id GUID) holding firewall and flow logs; no log queries without it.</summary>
    public string? WorkspaceId { get; init; }

    /// <summary>Narrows the firewall log query to one firewall.</summary>
    public string? FirewallId { get; init; }
}

/// <summary>The traffic to check, seen from the VM.</summary>
public sealed record PathRequest(string? VirtualMachineId, string? Direction, string? Protocol, string? LocalIp, int? LocalPort, string? RemoteIp, int? RemotePort);
