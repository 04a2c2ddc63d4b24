using System.Globalization;
using System.Net;
using System.Net.Sockets;
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

    /// <summary>
    /// Parses an address as callers write one: dotted-quad IPv4 or IPv6 text, nothing else (no
    /// shorthand such as "10.1", no scope id, no surrounding text).
    /// </summary>
    public static IPAddress ParseAddress(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool parsed = IPAddress.TryParse(text, out IPAddress? address);
        bool strict = parsed && address!.AddressFamily switch
        {
            // Leading zeros are refused: some tools read "010" as octal 8, others as 10.
            AddressFamily.InterNetwork => text.Split('.').Length == 4 && text.All(c => char.IsAsciiDigit(c) || c == '.') && address.ToString() == text,
            AddressFamily.InterNetworkV6 => address.ScopeId == 0 && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'),
            _ => false,
        };
        return strict ? address! : throw new FormatException($"{what} '{Quote(text)}' is not an IPv4 or IPv6 address");
    }

    /// <summary>Parses a port number 1–65535 written in decimal digits.</summary>
    public static int ParsePort(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit) && int.Parse(text, CultureInfo.InvariantCulture) is int port and >= 1 and <= 65535
            ? port
            : throw new FormatException($"{what} '{Quote(text)}' is not a port number (1-65535)");
    }

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
