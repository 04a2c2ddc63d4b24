using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CaptureOrchestrator.Core.Notifications;

/// <summary>
/// The HMAC-SHA256 request signature, used both ways: ticket systems sign their requests to the
/// API, and the service signs its callbacks. Version 2 binds the whole request:
/// <c>X-CaptureOrchestrator-Signature: t={unix seconds},n={nonce},v2={hex HMAC}</c> over
/// <c>"v2\n{t}\n{n}\n{METHOD}\n{path and query as sent}\n{hex SHA-256 of the body}"</c>. A signed
/// GET cannot be replayed as a POST or on another path, the timestamp bounds the window, and the
/// nonce makes each request distinct, so a receiver can refuse one it has seen (see <see cref="ReplayGuard"/>).
/// </summary>
public static partial class HmacSignature
{
    public const string HeaderName = "X-CaptureOrchestrator-Signature";

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    /// <summary>The text that is signed.</summary>
    public static string Canonical(string timestamp, string nonce, string method, string pathAndQuery, ReadOnlySpan<byte> body) =>
        $"v2\n{timestamp}\n{nonce}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";

    /// <summary>A header value for a request, with a fresh random nonce.</summary>
    public static string Create(ReadOnlySpan<byte> secret, string method, string pathAndQuery, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        Create(secret, method, pathAndQuery, body, now, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));

    public static string Create(ReadOnlySpan<byte> secret, string method, string pathAndQuery, ReadOnlySpan<byte> body, DateTimeOffset now, string nonce)
    {
        string timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        byte[] mac = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(Canonical(timestamp, nonce, method, pathAndQuery, body)));
        return $"t={timestamp},n={nonce},v2={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Checks a header value against the request it came with.</summary>
    /// <param name="reason">What is wrong: for the log, and for the caller only when <paramref name="outdatedScheme"/> (the key is not involved then).</param>
    /// <param name="outdatedScheme">The header is a version 1 signature (timestamp and body only), no longer accepted.</param>
    public static bool Verify(ReadOnlySpan<byte> secret, string method, string pathAndQuery, ReadOnlySpan<byte> body, string? header, DateTimeOffset now, TimeSpan window, out string reason, out bool outdatedScheme)
    {
        outdatedScheme = false;
        if (string.IsNullOrEmpty(header))
        {
            reason = "no signature header";
            return false;
        }

        Dictionary<string, string> parts = header.Split(',')
            .Select(part => part.Trim().Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        if (!parts.ContainsKey("v2") && parts.ContainsKey("v1"))
        {
            outdatedScheme = true;
            reason = "signature version 1 (timestamp and body only) is no longer accepted: sign version 2, t={unix seconds},n={nonce},v2={hex HMAC-SHA256 of \"v2\\n{t}\\n{n}\\n{METHOD}\\n{path and query}\\n{hex SHA-256 of the body}\"} (docs/server.md)";
            return false;
        }

        if (!parts.TryGetValue("t", out string? timestamp) || !parts.TryGetValue("n", out string? nonce) || !parts.TryGetValue("v2", out string? signature)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            reason = "malformed signature header (expected t=<unix seconds>,n=<nonce>,v2=<hex>)";
            return false;
        }

        if (!Nonce().IsMatch(nonce))
        {
            reason = "the nonce must be 8 to 64 letters, digits, '-' or '_'";
            return false;
        }

        DateTimeOffset signedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if ((now - signedAt).Duration() > window)
        {
            reason = $"timestamp {signedAt:u} is outside the {window.TotalMinutes:0} minute window";
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            reason = "signature is not hex";
            return false;
        }

        byte[] expected = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(Canonical(timestamp, nonce, method, pathAndQuery, body)));
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            reason = "signature does not match (wrong key, or the method, path, query or body differ from what was signed)";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{8,64}$")]
    private static partial Regex Nonce();
}
