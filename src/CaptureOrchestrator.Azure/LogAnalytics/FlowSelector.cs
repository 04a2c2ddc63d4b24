using System.Net;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>
/// Which traffic a log query looks for: any part of a 5-tuple, within a time window. Built only
/// from validated values, so queries can render it safely.
/// </summary>
public sealed record FlowSelector
{
    /// <summary>Longest window a query may cover; the logs we read are kept about that long anyway.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);

    public FlowSelector(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            throw new ArgumentException($"time window ends ({to:O}) before it starts ({from:O})", nameof(to));
        }

        if (to - from > MaxWindow)
        {
            throw new ArgumentException($"time window of {(to - from).TotalDays:0.#} days is longer than the {MaxWindow.TotalDays} days allowed", nameof(to));
        }

        From = from;
        To = to;
    }

    public DateTimeOffset From { get; }

    public DateTimeOffset To { get; }

    public IPAddress? SourceIp { get; init; }

    public int? SourcePort { get => _sourcePort; init => _sourcePort = CheckPort(value, nameof(SourcePort)); }

    public IPAddress? DestinationIp { get; init; }

    public int? DestinationPort { get => _destinationPort; init => _destinationPort = CheckPort(value, nameof(DestinationPort)); }

    public TransportProtocol? Protocol { get; init; }

    private readonly int? _sourcePort;
    private readonly int? _destinationPort;

    /// <summary>Parses "tcp", "udp" or "icmp" in any case.</summary>
    public static TransportProtocol ParseProtocol(string text) =>
        text?.ToUpperInvariant() switch
        {
            "TCP" => TransportProtocol.Tcp,
            "UDP" => TransportProtocol.Udp,
            "ICMP" => TransportProtocol.Icmp,
            _ => throw new FormatException($"protocol '{Quote(text ?? "")}' is not one of tcp, udp, icmp"),
        };

    private static int? CheckPort(int? port, string what) =>
        port is null or (>= 1 and <= 65535) ? port : throw new ArgumentOutOfRangeException(what, port, $"{what} must be 1-65535");

    private static string Quote(string text) => InputText.Quote(text, 80);
}
