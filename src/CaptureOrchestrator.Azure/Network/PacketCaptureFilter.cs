using System.Net;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>
/// One Network Watcher capture filter. Address and port fields take a single value ("80"), one
/// range ("80-85") or a ';'-separated list ("80;443;") — ranges and lists cannot be mixed.
/// </summary>
public sealed record PacketCaptureFilter
{
    /// <summary>TCP, UDP or Any (the default).</summary>
    public string Protocol { get; init; } = "Any";

    public string? LocalIPAddress { get; init; }

    public string? RemoteIPAddress { get; init; }

    public string? LocalPort { get; init; }

    public string? RemotePort { get; init; }

    /// <summary>The first thing wrong, prefixed with the field name; null when valid.</summary>
    public string? Validate()
    {
        if (Protocol is not ("TCP" or "UDP" or "Any"))
        {
            return $"protocol: '{InputText.Quote(Protocol, 16)}' is not TCP, UDP or Any";
        }

        return CheckValues("localIPAddress", LocalIPAddress, IsAddress)
            ?? CheckValues("remoteIPAddress", RemoteIPAddress, IsAddress)
            ?? CheckValues("localPort", LocalPort, IsPort)
            ?? CheckValues("remotePort", RemotePort, IsPort);
    }

    private static string? CheckValues(string field, string? value, Func<string, bool> isValid)
    {
        if (value is null)
        {
            return null;
        }

        bool isRange = value.Contains('-', StringComparison.Ordinal);
        bool isList = value.Contains(';', StringComparison.Ordinal);
        string[] parts = isRange ? value.Split('-') : value.Split(';', StringSplitOptions.RemoveEmptyEntries);
        bool valid = !(isRange && isList)
            && parts.Length > 0
            && (!isRange || parts.Length == 2)
            && parts.All(isValid);
        return valid ? null : $"{field}: '{InputText.Quote(value, 64)}' is not one value, one range (a-b) or a ';' list";
    }

    private static bool IsAddress(string text) => IPAddress.TryParse(text, out IPAddress? address) && address.ToString() == text;

    private static bool IsPort(string text) => ushort.TryParse(text, System.Globalization.NumberStyles.None, null, out _);
}
