using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CaptureOrchestrator.Azure.Storage;

/// <summary>Builds the query of a Blob service SAS (account key) or user-delegation SAS (Entra ID key).</summary>
internal sealed class BlobSasBuilder(string account, string container, string? blobName, BlobSasPermissions permissions, DateTimeOffset expiresOn, string scheme)
{
    // The string-to-sign layout below is the one defined for this version (2020-12-06 and later, before 2025).
    internal const string Version = "2022-11-02";

    internal static readonly (BlobSasPermissions Flag, char Letter)[] PermissionLetters =
    [
        (BlobSasPermissions.Read, 'r'), (BlobSasPermissions.Add, 'a'), (BlobSasPermissions.Create, 'c'),
        (BlobSasPermissions.Write, 'w'), (BlobSasPermissions.Delete, 'd'), (BlobSasPermissions.List, 'l'),
    ];

    private string Permissions => new(PermissionLetters.Where(p => permissions.HasFlag(p.Flag)).Select(p => p.Letter).ToArray());

    private string Resource => blobName is null ? "c" : "b";

    private string Protocol => scheme == Uri.UriSchemeHttps ? "https" : "https,http";

    private string CanonicalResource => $"/blob/{account}/{container}" + (blobName is null ? string.Empty : "/" + blobName);

    private string Expiry => FormatTime(expiresOn);

    public static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public string SignWithAccountKey(StorageSharedKeyCredential key) => Query([], AccountKeySignature(key));

    /// <summary>The signature of a service SAS with these fields (what <see cref="BlobSasValidator"/> checks against).</summary>
    internal string AccountKeySignature(StorageSharedKeyCredential key)
    {
        string[] fields =
        [
            Permissions, string.Empty, Expiry, CanonicalResource,
            string.Empty, // signedIdentifier
            string.Empty, // signedIP
            Protocol, Version, Resource,
            string.Empty, // signedSnapshotTime
            string.Empty, // signedEncryptionScope
            string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, // rscc rscd rsce rscl rsct
        ];
        return key.ComputeHmacSha256(string.Join('\n', fields));
    }

    public string SignWithDelegationKey(UserDelegationKey key)
    {
        string[] fields =
        [
            Permissions, string.Empty, Expiry, CanonicalResource,
            key.SignedObjectId, key.SignedTenantId, FormatTime(key.SignedStartsOn), FormatTime(key.SignedExpiresOn), key.SignedService, key.SignedVersion,
            string.Empty, // signedAuthorizedUserObjectId
            string.Empty, // signedUnauthorizedUserObjectId
            string.Empty, // signedCorrelationId
            string.Empty, // signedIP
            Protocol, Version, Resource,
            string.Empty, // signedSnapshotTime
            string.Empty, // signedEncryptionScope
            string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
        ];
        string signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(key.Value), Encoding.UTF8.GetBytes(string.Join('\n', fields))));
        return Query(
            [("skoid", key.SignedObjectId), ("sktid", key.SignedTenantId), ("skt", FormatTime(key.SignedStartsOn)), ("ske", FormatTime(key.SignedExpiresOn)), ("sks", key.SignedService), ("skv", key.SignedVersion)],
            signature);
    }

    private string Query((string Name, string Value)[] keyFields, string signature)
    {
        IEnumerable<(string Name, string Value)> parameters =
            [("sv", Version), ("spr", Protocol), ("se", Expiry), ("sr", Resource), ("sp", Permissions), .. keyFields, ("sig", signature)];
        return string.Join('&', parameters.Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value)));
    }
}
