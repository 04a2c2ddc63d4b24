using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CaptureOrchestrator.Core.Notifications;

/// <summary>
/// The HMAC-SHA256 signature used both ways: ticket systems sign their requests to the API, and
/// the service signs its callbacks. Header value <c>t={unix seconds},v1={hex HMAC of "t.body"}</c>;
/// the timestamp is signed too, so a captured request cannot be replayed outside the window.
/// </summary>
public static class HmacSignature
{
    public const string HeaderName = "X-CaptureOrchestrator-Signature";

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    public static string Create(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        string timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={timestamp},v1={Convert.ToHexStringLower(Mac(secret, timestamp, body))}";
    }

    /// <summary>Checks a header value; the reason says what is wrong (for the log, not for the caller).</summary>
    public static bool Verify(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> body, string? header, DateTimeOffset now, TimeSpan window, out string reason)
    {
        if (string.IsNullOrEmpty(header))
        {
            reason = "no signature header";
            return false;
        }

        string? timestamp = null;
        string? signature = null;
        foreach (string part in header.Split(','))
        {
            string[] pair = part.Trim().Split('=', 2);
            if (pair.Length == 2 && pair[0] == "t")
            {
                timestamp = pair[1];
            }
            else if (pair.Length == 2 && pair[0] == "v1")
            {
                signature = pair[1];
            }
        }

        if (timestamp is null || signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            reason = "malformed signature header (expected t=<unix seconds>,v1=<hex>)";
            return false;
        }

        DateTimeOffset signedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if ((now - signedAt).Duration() > window)
        {
            reason = $"timestamp {signedAt:u} is outside the {window.TotalMinutes:0} minute window";
            return false;
        }

        byte[] expected = Mac(secret, timestamp, body);
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

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            reason = "signature does not match";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private static byte[] Mac(ReadOnlySpan<byte> secret, string timestamp, ReadOnlySpan<byte> body)
    {
        byte[] prefix = Encoding.ASCII.GetBytes(timestamp + ".");
        byte[] signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(secret, signed);
    }
}
