using System.Security.Cryptography;
using System.Text;

namespace CaptureOrchestrator.Azure.Storage;

/// <summary>
/// A storage account name and key. For the local emulator and self-hosting only: in Azure the
/// product uses Entra ID (managed identity) and the account has shared keys disabled.
/// </summary>
public sealed class StorageSharedKeyCredential
{
    private readonly byte[] _key;

    public StorageSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountKey);
        AccountName = accountName;
        try
        {
            _key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("The storage account key is not base64.", nameof(accountKey), ex);
        }
    }

    /// <summary>Azurite's well-known development account (public, documented, not a secret).</summary>
    public static StorageSharedKeyCredential DevelopmentStorage { get; } = new(
        "devstoreaccount1", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");

    public string AccountName { get; }

    /// <summary>The base64 HMAC-SHA256 of <paramref name="stringToSign"/> under the account key (SharedKey and service SAS signatures).</summary>
    public string ComputeHmacSha256(string stringToSign) => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
}
