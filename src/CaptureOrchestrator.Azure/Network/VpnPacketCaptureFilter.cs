using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>Which tunnel traffic a VPN gateway capture records (bits of <c>TracingFlags</c>).</summary>
[Flags]
public enum VpnTracingFlags
{
    Esp = 1,
    Ike = 2,
    OpenVpn = 8,
}

/// <summary>
/// The gateway capture filter. The API takes it as <c>filterData</c>, a string holding a JSON
/// document with PascalCase names — <see cref="ToFilterData"/> renders that string.
/// </summary>
public sealed record VpnPacketCaptureFilter
{
    private static readonly JsonSerializerOptions FilterJson = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public VpnTracingFlags TracingFlags { get; init; } = VpnTracingFlags.Esp | VpnTracingFlags.Ike | VpnTracingFlags.OpenVpn;

    /// <summary>Bytes kept of each packet (service default 120).</summary>
    public int? MaxPacketBufferSize { get; init; }

    /// <summary>Size of the circular capture buffer in MB (service default 100).</summary>
    public int? MaxFileSize { get; init; }

    /// <summary>Only the first filter is honoured by the service.</summary>
    public IReadOnlyList<VpnTrafficFilter> Filters { get; init; } = [];

    public string ToFilterData()
    {
        var document = new Dictionary<string, object?>
        {
            ["TracingFlags"] = (int)TracingFlags,
            ["MaxPacketBufferSize"] = MaxPacketBufferSize,
            ["MaxFileSize"] = MaxFileSize,
        };
        if (Filters.Count > 0)
        {
            document["Filters"] = Filters;
        }

        return JsonSerializer.Serialize(document.Where(p => p.Value is not null).ToDictionary(), FilterJson);
    }
}

/// <summary>One traffic filter inside <c>filterData</c>; property names are the service's own.</summary>
public sealed record VpnTrafficFilter
{
    public IReadOnlyList<string>? SourceSubnets { get; init; }

    public IReadOnlyList<string>? DestinationSubnets { get; init; }

    public IReadOnlyList<int>? SourcePort { get; init; }

    public IReadOnlyList<int>? DestinationPort { get; init; }

    /// <summary>IP protocol number, e.g. 6 for TCP.</summary>
    public int? Protocol { get; init; }

    /// <summary>OR of FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128.</summary>
    public int? TcpFlags { get; init; }

    public bool? CaptureSingleDirectionTrafficOnly { get; init; }
}
