using System.Net;
using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Activities.Tests.Storage;

/// <summary>One Azurite (HTTPS, OAuth on) for the storage tests of this assembly.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<Azurite>
{
    public const string Name = "Azurite";
}

/// <summary>
/// The capture store on Azure.Storage.Blobs against a real Azurite: what the activities do with it
/// (create, upload, list, read a large capture through a dropped connection, SAS for gateways and
/// links), with the account key as for an emulator and with an Entra token as on Azure.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobStoreTests(Azurite azurite)
{
    private static readonly StorageSharedKeyCredential DevKey = new("devstoreaccount1", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");

    private BlobStore KeyStore(Uri? endpoint = null, StorageSharedKeyCredential? key = null) =>
        BlobStore.WithAccountKey(() => endpoint ?? azurite.AccountEndpoint, key ?? DevKey, azurite.Options());

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task<StoreContainer> CreatedAsync(BlobStore store, string name)
    {
        StoreContainer container = store.Container(name);
        Assert.True(await container.CreateIfNotExistsAsync(CancellationToken.None));
        Assert.False(await container.CreateIfNotExistsAsync(CancellationToken.None));
        return container;
    }

    [AzuriteFact]
    public async Task A_50_MB_capture_lists_by_prefix_and_reads_back_intact_through_a_dropped_connection()
    {
        byte[] capture = RandomBytes(50 * 1024 * 1024, seed: 50);
        StoreContainer container = await CreatedAsync(KeyStore(), "captures");
        await container.UploadAsync("op-1/vm1/packetcapture_10_00_00_000.cap", new MemoryStream(capture), "application/vnd.tcpdump.pcap", overwrite: true, CancellationToken.None);
        await container.UploadAsync("op-2/other.cap", new MemoryStream([1, 2, 3]), "application/octet-stream", overwrite: true, CancellationToken.None);

        BlobItem item = Assert.Single(await container.ListAsync("op-1/", CancellationToken.None));
        Assert.Equal(capture.Length, item.Properties.ContentLength);
        Assert.Equal("application/vnd.tcpdump.pcap", item.Properties.ContentType);

        // Read through a proxy that cuts the connection 9 MB into the transfer (inside the third 4 MB range).
        await using var proxy = new FlakyTcpProxy(azurite.BlobEndpoint);
        StoreContainer throughProxy = KeyStore(new Uri($"https://127.0.0.1:{proxy.Port}/devstoreaccount1")).Container("captures");
        await using Stream download = await throughProxy.OpenReadAsync(item.Name, CancellationToken.None);
        proxy.DropOnceAfter(9 * 1024 * 1024);
        using var copy = new MemoryStream();
        await download.CopyToAsync(copy);

        Assert.Equal(1, proxy.Drops);
        Assert.Equal(SHA256.HashData(capture), SHA256.HashData(copy.ToArray()));
    }

    [AzuriteFact]
    public async Task A_capture_replaced_while_it_is_read_fails_instead_of_mixing_two_files()
    {
        StoreContainer container = await CreatedAsync(KeyStore(), "replaced");
        int size = StoreContainer.ReadBufferBytes + 4096;
        await container.UploadAsync("a.cap", new MemoryStream(RandomBytes(size, 1)), "application/octet-stream", overwrite: true, CancellationToken.None);
        await using Stream download = await container.OpenReadAsync("a.cap", CancellationToken.None);
        await download.ReadExactlyAsync(new byte[1024]);

        await container.UploadAsync("a.cap", new MemoryStream(RandomBytes(size, 2)), "application/octet-stream", overwrite: true, CancellationToken.None);

        // The first range is buffered; the next one is asked for with If-Match on the first's ETag.
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => download.ReadExactlyAsync(new byte[StoreContainer.ReadBufferBytes]).AsTask());
        Assert.Equal(412, error.Status);
    }

    [AzuriteFact]
    public async Task Upload_without_overwrite_keeps_the_existing_blob()
    {
        StoreContainer container = await CreatedAsync(KeyStore(), "no-overwrite");
        await container.UploadAsync("report.json", new MemoryStream("{\"v\":1}"u8.ToArray()), "application/json", overwrite: true, CancellationToken.None);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => container.UploadAsync("report.json", new MemoryStream("{\"v\":2}"u8.ToArray()), "application/json", overwrite: false, CancellationToken.None));

        Assert.Equal((409, "BlobAlreadyExists"), (error.Status, error.ErrorCode));
        await using Stream read = await container.OpenReadAsync("report.json", CancellationToken.None);
        Assert.Equal("{\"v\":1}", await new StreamReader(read).ReadToEndAsync());
    }

    [AzuriteFact]
    public async Task A_wrong_account_key_is_a_typed_authentication_error()
    {
        StoreContainer container = KeyStore(key: new StorageSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64]))).Container("wrong-key");

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => container.CreateIfNotExistsAsync(CancellationToken.None));

        // Azure answers 403 AuthenticationFailed; Azurite with OAuth on answers 400 InvalidAuthenticationInfo.
        Assert.Contains(error.Status, new[] { 400, 403 });
        Assert.Contains("Authentication", error.ErrorCode, StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task A_write_sas_lets_a_gateway_upload_and_a_read_sas_reads_only_until_it_expires()
    {
        StoreContainer container = await CreatedAsync(KeyStore(), "gateway-uploads");
        using HttpClient http = azurite.CreateHttpClient();

        // What a VPN gateway does with the SAS URL it is given: PUT a blob into the container.
        Uri writeSas = await container.SasAsync(BlobSasPermissions.Create | BlobSasPermissions.Write | BlobSasPermissions.Add, DateTimeOffset.UtcNow.AddMinutes(5), null, CancellationToken.None);
        Assert.Equal("https", writeSas.Scheme);
        Assert.Contains("spr=https&", writeSas.Query, StringComparison.Ordinal);
        var put = new HttpRequestMessage(HttpMethod.Put, new UriBuilder(writeSas) { Path = writeSas.AbsolutePath + "/gw.pcap" }.Uri) { Content = new ByteArrayContent([0xd4, 0xc3, 0xb2, 0xa1]) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(put)).StatusCode);
        Assert.Equal(4, Assert.Single(await container.ListAsync(null, CancellationToken.None)).Properties.ContentLength);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(new UriBuilder(writeSas) { Path = writeSas.AbsolutePath + "/gw.pcap" }.Uri)).StatusCode); // write-only

        DateTimeOffset expiry = DateTimeOffset.UtcNow.AddSeconds(2);
        Uri readSas = await container.SasAsync(BlobSasPermissions.Read, expiry, "gw.pcap", CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(readSas)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.DeleteAsync(readSas)).StatusCode); // read only
        await Task.Delay(expiry.AddSeconds(1.5) - DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(readSas)).StatusCode);
    }

    [AzuriteFact]
    public async Task With_an_entra_token_the_store_works_and_hands_out_user_delegation_sas_only()
    {
        BlobStore store = BlobStore.WithEntraId(azurite.AccountEndpoint, Azurite.EntraLikeCredential(), azurite.Options());
        StoreContainer container = await CreatedAsync(store, "entra");
        await container.UploadAsync("report.md", new MemoryStream("# verdict"u8.ToArray()), "text/markdown", overwrite: true, CancellationToken.None);

        Uri link = await container.SasAsync(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10), "report.md", CancellationToken.None);
        Uri again = await container.SasAsync(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(5), "report.md", CancellationToken.None);
        using HttpClient http = azurite.CreateHttpClient();
        HttpResponseMessage read = await http.GetAsync(link);

        Assert.True(read.StatusCode == HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        Assert.Contains("skoid=", link.Query, StringComparison.Ordinal);
        Assert.DoesNotContain("Eby8vdM02", link.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("# verdict", await read.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(again)).StatusCode);
        Assert.Equal(QueryValue(link, "skt"), QueryValue(again, "skt")); // one delegation key serves both links
    }

    [Fact]
    public void A_url_outside_the_account_is_refused_before_any_credential_is_used()
    {
        BlobStore store = BlobStore.WithAccountKey(() => new Uri("https://captures.blob.core.windows.net"), DevKey, new BlobClientOptions());

        (StoreContainer container, string blob) = store.Locate("https://captures.blob.core.windows.net/co-op-1-0/fw%201.pcap?sv=x");
        Assert.Equal(("co-op-1-0", "fw 1.pcap"), (container.Name, blob));
        Assert.Equal("https://captures.blob.core.windows.net/co-op-1-0/fw%201.pcap", container.BlobUri(blob).AbsoluteUri);
        Assert.Throws<ArgumentException>(() => store.Locate("https://attacker.example/co-op-1-0/fw.pcap"));
        Assert.Throws<ArgumentException>(() => store.Locate("https://captures.blob.core.windows.net.attacker.example/c/b"));
    }

    private static string? QueryValue(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == name)?[1];
}
