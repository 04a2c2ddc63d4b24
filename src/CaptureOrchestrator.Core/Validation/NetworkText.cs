using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CaptureOrchestrator.Core.Validation;

/// <summary>Strict parsing of addresses and ports as callers write them; anything else is refused with the field named.</summary>
public static class NetworkText
{
    /// <summary>
    /// Dotted-quad IPv4 or IPv6 text, nothing else (no shorthand such as "10.1", no leading zeros,
    /// no scope id, no surrounding text).
    /// </summary>
    public static IPAddress ParseAddress(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseAddress(text, out IPAddress? address)
            ? address
            : throw new FormatException($"{what} '{InputText.Quote(text, 80)}' is not an IPv4 or IPv6 address");
    }

    public static bool TryParseAddress(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text is null || !IPAddress.TryParse(text, out IPAddress? parsed))
        {
            return false;
        }

        bool strict = parsed.AddressFamily switch
        {
            // Leading zeros are refused: some tools read "010" as octal 8, others as 10.
            AddressFamily.InterNetwork => text.Split('.').Length == 4 && text.All(c => char.IsAsciiDigit(c) || c == '.') && parsed.ToString() == text,
            AddressFamily.InterNetworkV6 => parsed.ScopeId == 0 && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'),
            _ => false,
        };
        address = strict ? parsed : null;
        return strict;
    }

    /// <summary>A port number 1–65535 written in decimal digits.</summary>
    public static int ParsePort(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit) && int.Parse(text, CultureInfo.InvariantCulture) is int port and >= 1 and <= 65535
            ? port
            : throw new FormatException($"{what} '{InputText.Quote(text, 80)}' is not a port number (1-65535)");
    }
}
