using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Sas;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>
/// Checks a service SAS signed with the account key, as the Blob service does: the fields, the
/// expiry, the protocol, and the signature — recomputed by signing the same fields again with
/// Azure.Storage.Blobs' <see cref="BlobSasBuilder"/>, so the store accepts exactly the SAS the SDK
/// makes (the orchestrator hands those out for report links and gateway uploads).
/// </summary>
internal static class BlobSasValidator
{
    // Fields a SAS may carry that the orchestrator never signs; a token with them cannot be checked here.
    private static readonly string[] UnsupportedFields =
        ["si", "sip", "ses", "sdd", "skoid", "sktid", "skt", "ske", "sks", "skv", "saoid", "suoid", "scid", "rscc", "rscd", "rsce", "rscl", "rsct"];

    /// <summary>True when <paramref name="query"/> carries a SAS at all (a signature).</summary>
    public static bool IsPresent(Func<string, string?> query) => query("sig") is not null;

    /// <param name="key">The account key that signed the token.</param>
    /// <param name="container">The container the request addresses.</param>
    /// <param name="blobName">The blob the request addresses (unescaped), or null for the container.</param>
    /// <param name="query">The request's query parameters by name (unescaped).</param>
    /// <param name="https">Whether the request came over HTTPS.</param>
    /// <param name="now">The time to check the start and expiry against.</param>
    /// <param name="reason">Why the token is refused (null when it is valid).</param>
    /// <returns>The permissions the token grants on the addressed resource, or null when it is not valid for it.</returns>
    public static BlobSasPermissions? Validate(LocalBlobKey key, string container, string? blobName, Func<string, string?> query, bool https, DateTimeOffset now, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(query);
        reason = Check(key, container, blobName, query, https, now, out BlobSasPermissions permissions);
        return reason is null ? permissions : null;
    }

    private static string? Check(LocalBlobKey key, string container, string? blobName, Func<string, string?> query, bool https, DateTimeOffset now, out BlobSasPermissions permissions)
    {
        permissions = default;
        if (UnsupportedFields.FirstOrDefault(field => query(field) is not null) is { } unsupported)
        {
            return $"the SAS field '{unsupported}' is not supported here";
        }

        if (query("sig") is not { Length: > 0 } signature || query("sv") is not { } version || query("se") is not { } expiry
            || query("sr") is not { } resource || query("sp") is not { } letters)
        {
            return "the SAS lacks one of sig, sv, se, sr, sp";
        }

        string? protocol = query("spr"); // absent: HTTP and HTTPS, as the service reads it

        if (!TryParseTime(expiry, out DateTimeOffset expiresOn))
        {
            return $"the SAS expiry '{expiry}' is not a UTC time";
        }

        DateTimeOffset? startsOn = null;
        if (query("st") is { } start)
        {
            if (!TryParseTime(start, out DateTimeOffset parsed))
            {
                return $"the SAS start '{start}' is not a UTC time";
            }

            startsOn = parsed;
        }

        if (now > expiresOn || now < startsOn)
        {
            return now > expiresOn ? $"the SAS expired at {expiry}" : $"the SAS is valid from {query("st")} only";
        }

        if (protocol is not (null or "https" or "https,http"))
        {
            return $"the SAS protocol '{protocol}' is not https or https,http";
        }

        if (protocol == "https" && !https)
        {
            return "the SAS allows HTTPS only";
        }

        if (resource is not ("c" or "b") || (resource == "b" && blobName is null))
        {
            return resource == "b" ? "a blob SAS cannot address its container" : $"the SAS resource '{resource}' is not c or b";
        }

        if (letters.Any(letter => !"racwdl".Contains(letter, StringComparison.Ordinal)))
        {
            return $"the SAS permissions '{letters}' are not among racwdl";
        }

        var expected = new BlobSasBuilder
        {
            BlobContainerName = container,
            BlobName = resource == "b" ? blobName! : string.Empty,
            Resource = resource,
            StartsOn = startsOn ?? default,
            ExpiresOn = expiresOn,
            Protocol = protocol switch { "https" => SasProtocol.Https, "https,http" => SasProtocol.HttpsAndHttp, _ => SasProtocol.None },
        };
        expected.SetPermissions(letters, normalize: true);
        BlobSasQueryParameters signed = expected.ToSasQueryParameters(key.Credential);
        if (signed.Version != version)
        {
            return $"the SAS version {version} is not checked here (only {signed.Version}, the version Azure.Storage.Blobs signs)";
        }

        permissions = signed.Permissions.Aggregate(default(BlobSasPermissions), (all, letter) => all | Permission(letter));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signed.Signature), Encoding.ASCII.GetBytes(signature))
            ? null
            : "the SAS signature does not match (wrong key, or a field was changed)";
    }

    private static BlobSasPermissions Permission(char letter) => letter switch
    {
        'r' => BlobSasPermissions.Read,
        'a' => BlobSasPermissions.Add,
        'c' => BlobSasPermissions.Create,
        'w' => BlobSasPermissions.Write,
        'd' => BlobSasPermissions.Delete,
        'l' => BlobSasPermissions.List,
        _ => default,
    };

    private static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fffffffZ"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
