using System.Security.Cryptography;
using System.Text;
using Azure.Storage;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>The local store's account name and key: what SharedKey requests and SAS links are signed with.</summary>
internal sealed class LocalBlobKey
{
    private readonly byte[] _key;

    /// <exception cref="ArgumentException">The key is not base64.</exception>
    public LocalBlobKey(string accountName, string base64Key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentException.ThrowIfNullOrWhiteSpace(base64Key);
        try
        {
            _key = Convert.FromBase64String(base64Key);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("The storage account key is not base64.", nameof(base64Key), ex);
        }

        AccountName = accountName;
        Credential = new StorageSharedKeyCredential(accountName, base64Key);
    }

    public string AccountName { get; }

    /// <summary>The same key as Azure.Storage.Blobs takes it (the orchestrator's own client, and SAS checks).</summary>
    public StorageSharedKeyCredential Credential { get; }

    /// <summary>The base64 HMAC-SHA256 of <paramref name="stringToSign"/> under the key (a SharedKey signature).</summary>
    public string Sign(string stringToSign) => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
}
