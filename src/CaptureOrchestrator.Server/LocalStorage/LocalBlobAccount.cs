using System.Text.RegularExpressions;
using CaptureOrchestrator.Api.Hosting;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>
/// The local store's account: its name and the key its SharedKey requests and SAS links are signed
/// with. The key is the configured one (Storage:AccountKey, from the environment) or else one
/// generated on first start and kept, readable by this user only, in the data folder — so links
/// handed out stay valid across restarts.
/// </summary>
internal static partial class LocalBlobAccount
{
    public const string DefaultName = "local";

    /// <summary>The account name, which is also the path the store is served under.</summary>
    public static string NameOf(StorageSettings storage)
    {
        string name = storage.AccountName ?? DefaultName;
        return AccountName().IsMatch(name) && name != "api"
            ? name
            : throw new InvalidOperationException($"CaptureOrchestrator:Storage:AccountName '{name}' is not a storage account name (3-24 lowercase letters and digits, not 'api').");
    }

    public static LocalBlobKey Open(StorageSettings storage, string dataFolder)
    {
        string name = NameOf(storage);
        if (storage.AccountKey is { } configured)
        {
            return new LocalBlobKey(name, configured);
        }

        return new LocalBlobKey(name, GeneratedKeyFile.ReadOrCreate(Path.Combine(dataFolder, "blob-account.key"), 64));
    }

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AccountName();
}
