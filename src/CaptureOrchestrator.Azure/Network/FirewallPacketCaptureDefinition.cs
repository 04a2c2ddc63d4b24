using System.Net;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>An Azure Firewall packet capture (FirewallPacketCaptureParameters), with the documented limits.</summary>
public sealed record FirewallPacketCaptureDefinition
{
    public const int MinDurationInSeconds = 30;
    public const int MaxDurationInSeconds = 1_800;
    public const int MinPackets = 100;
    public const int MaxPackets = 90_000;
    public const int MaxAddressesPerFilter = 5;

    public int DurationInSeconds { get; init; } = 60;

    public int NumberOfPacketsToCapture { get; init; } = 1_000;

    /// <summary>Base name of the files; the firewall writes one per backend instance into the container.</summary>
    public required string FileName { get; init; }

    /// <summary>TCP, UDP, ICMP or Any.</summary>
    public string Protocol { get; init; } = "Any";

    /// <summary>TCP flags to match (fin, syn, rst, push, ack, urg); none means all packets.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>At least one; each with at least one destination port.</summary>
    public required IReadOnlyList<FirewallPacketCaptureFilter> Filters { get; init; }

    public string? Validate()
    {
        if (DurationInSeconds is < MinDurationInSeconds or > MaxDurationInSeconds)
        {
            return $"durationInSeconds: {DurationInSeconds} is outside {MinDurationInSeconds}..{MaxDurationInSeconds}";
        }

        if (NumberOfPacketsToCapture is < MinPackets or > MaxPackets)
        {
            return $"numberOfPacketsToCapture: {NumberOfPacketsToCapture} is outside {MinPackets}..{MaxPackets}";
        }

        if (string.IsNullOrWhiteSpace(FileName) || FileName.IndexOfAny(['/', '\\', '?', '#']) >= 0 || FileName.Length > 200)
        {
            return "fileName: give a plain file name (no path, at most 200 characters)";
        }

        if (Protocol is not ("TCP" or "UDP" or "ICMP" or "Any"))
        {
            return $"protocol: '{InputText.Quote(Protocol, 16)}' is not TCP, UDP, ICMP or Any";
        }

        if (Flags.FirstOrDefault(f => f is not ("fin" or "syn" or "rst" or "push" or "ack" or "urg")) is { } flag)
        {
            return $"flags: '{InputText.Quote(flag, 16)}' is not one of fin, syn, rst, push, ack, urg";
        }

        if (Filters.Count == 0)
        {
            return "filters: at least one filter is required";
        }

        for (int i = 0; i < Filters.Count; i++)
        {
            if (Filters[i].Validate() is { } error)
            {
                return $"filters[{i}].{error}";
            }
        }

        return null;
    }
}

/// <summary>Sources and destinations are IP addresses or subnets (no ranges, no FQDNs); ports are required.</summary>
public sealed record FirewallPacketCaptureFilter
{
    public IReadOnlyList<string> Sources { get; init; } = [];

    public IReadOnlyList<string> Destinations { get; init; } = [];

    public IReadOnlyList<string> DestinationPorts { get; init; } = [];

    internal string? Validate()
    {
        foreach ((string name, IReadOnlyList<string> values) in new[] { ("sources", Sources), ("destinations", Destinations) })
        {
            if (values.Count > FirewallPacketCaptureDefinition.MaxAddressesPerFilter)
            {
                return $"{name}: {values.Count} entries; the firewall takes at most {FirewallPacketCaptureDefinition.MaxAddressesPerFilter}";
            }

            if (values.FirstOrDefault(v => !IsAddressOrSubnet(v)) is { } bad)
            {
                return $"{name}: '{InputText.Quote(bad, 64)}' is not an IP address or subnet";
            }
        }

        if (DestinationPorts.Count == 0)
        {
            return "destinationPorts: at least one port is required (the firewall has no 'all ports')";
        }

        return DestinationPorts.FirstOrDefault(p => !ushort.TryParse(p, System.Globalization.NumberStyles.None, null, out ushort port) || port == 0) is { } badPort
            ? $"destinationPorts: '{InputText.Quote(badPort, 16)}' is not a port 1-65535"
            : null;
    }

    private static bool IsAddressOrSubnet(string value) =>
        value.Contains('/', StringComparison.Ordinal) ? IPNetwork.TryParse(value, out _) : IPAddress.TryParse(value, out IPAddress? a) && a.ToString() == value;
}
