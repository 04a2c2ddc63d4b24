using Azure.Storage.Blobs;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Api.Hosting;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Server.LocalStorage;

/// <summary>
/// Puts the local blob store together: files under the data folder, the endpoint serving them at
/// <c>{server}/{account}</c>, and the orchestrator's store as an Azure.Storage.Blobs client of that
/// endpoint (signed with the account key) whose links point at the public address.
/// </summary>
internal static class LocalBlobHosting
{
    /// <param name="settings">The configuration.</param>
    /// <param name="addresses">Where the server listens.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="simulated">The sandbox: its simulated Network Watcher writes VM captures into this store, under the account id it was given.</param>
    public static (LocalBlobService Service, BlobStore Store) Create(ServerSettings settings, ServerAddresses addresses, ILoggerFactory loggerFactory, TimeProvider time, bool simulated = false)
    {
        if (settings.Storage.CaptureAccountResourceId is { } captureAccount && !simulated)
        {
            throw new InvalidOperationException($"CaptureOrchestrator:Storage:CaptureAccountResourceId is set ({captureAccount}) but Storage:BlobEndpoint is not: Network Watcher would write VM captures to that account, which the local blob store cannot read. Set Storage:BlobEndpoint to its blob endpoint.");
        }

        LocalBlobKey account = LocalBlobAccount.Open(settings.Storage, settings.DataFolder);
        var service = new LocalBlobService(new LocalBlobFiles(Path.Combine(settings.DataFolder, "blobs")), account, time, loggerFactory.CreateLogger<LocalBlobService>());
        BlobClientOptions options = SharedComposition.BlobOptions(settings.Storage, loggerFactory);
        BlobStore store = BlobStore.WithAccountKey(
            () => AccountUri(addresses.ForSelf()),
            account.Credential,
            options,
            () => AccountUri(settings.PublicUrl ?? addresses.ForOthers()));
        return (service, store);

        Uri AccountUri(Uri server) => new(server.GetLeftPart(UriPartial.Authority) + "/" + account.AccountName);
    }
}
