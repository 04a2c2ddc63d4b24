using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CaptureOrchestrator.Azure.Storage;

/// <summary>
/// Checks a service SAS signed with the account key, as the Blob service does: the fields this
/// product signs (<see cref="BlobSasBuilder"/>), the expiry, the protocol and the signature. The
/// local blob store of the self-hosted server answers SAS links with it.
/// </summary>
public static class BlobSasValidator
{
    // Fields a SAS may carry that this product never signs; a token with them cannot be checked here.
    private static readonly string[] UnsupportedFields =
        ["st", "si", "sip", "ses", "sdd", "skoid", "sktid", "skt", "ske", "sks", "skv", "saoid", "suoid", "scid", "rscc", "rscd", "rsce", "rscl", "rsct"];

    /// <summary>True when <paramref name="query"/> carries a SAS at all (a signature).</summary>
    public static bool IsPresent(Func<string, string?> query) => query("sig") is not null;

    /// <param name="key">The account key that signed the token.</param>
    /// <param name="container">The container the request addresses.</param>
    /// <param name="blobName">The blob the request addresses (unescaped), or null for the container.</param>
    /// <param name="query">The request's query parameters by name (unescaped).</param>
    /// <param name="https">Whether the request came over HTTPS.</param>
    /// <param name="now">The time to check the expiry against.</param>
    /// <param name="reason">Why the token is refused (null when it is valid).</param>
    /// <returns>The permissions the token grants on the addressed resource, or null when it is not valid for it.</returns>
    public static BlobSasPermissions? Validate(StorageSharedKeyCredential key, string container, string? blobName, Func<string, string?> query, bool https, DateTimeOffset now, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(query);
        reason = Check(key, container, blobName, query, https, now, out BlobSasPermissions permissions);
        return reason is null ? permissions : null;
    }

    private static string? Check(StorageSharedKeyCredential key, string container, string? blobName, Func<string, string?> query, bool https, DateTimeOffset now, out BlobSasPermissions permissions)
    {
        permissions = default;
        if (UnsupportedFields.FirstOrDefault(field => query(field) is not null) is { } unsupported)
        {
            return $"the SAS field '{unsupported}' is not supported here";
        }

        if (query("sig") is not { Length: > 0 } signature || query("sv") is not { } version || query("se") is not { } expiry
            || query("sr") is not { } resource || query("sp") is not { } letters || query("spr") is not { } protocol)
        {
            return "the SAS lacks one of sig, sv, se, sr, sp, spr";
        }

        if (version != BlobSasBuilder.Version)
        {
            return $"the SAS version {version} is not supported here (only {BlobSasBuilder.Version})";
        }

        if (!DateTimeOffset.TryParseExact(expiry, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset expiresOn))
        {
            return $"the SAS expiry '{expiry}' is not a UTC time";
        }

        if (now > expiresOn)
        {
            return $"the SAS expired at {expiry}";
        }

        if (protocol is not ("https" or "https,http"))
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

        foreach (char letter in letters)
        {
            (BlobSasPermissions flag, char known) = BlobSasBuilder.PermissionLetters.FirstOrDefault(p => p.Letter == letter);
            if (known != letter)
            {
                return $"the SAS permission '{letter}' is not one of racwdl";
            }

            permissions |= flag;
        }

        string expected = new BlobSasBuilder(key.AccountName, container, resource == "b" ? blobName : null, permissions, expiresOn, protocol == "https" ? Uri.UriSchemeHttps : Uri.UriSchemeHttp)
            .AccountKeySignature(key);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature))
            ? null
            : "the SAS signature does not match (wrong key, or a field was changed)";
    }
}
