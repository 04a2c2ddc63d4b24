using System.Net;
using System.Security.Cryptography;
using Azure;
using CaptureOrchestrator.Azure.Storage;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Storage;

/// <summary>The blob client against a real Azurite (HTTPS, OAuth on) started by the test run.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobContainerClientTests(Azurite azurite)
{
    private static readonly StorageSharedKeyCredential DevKey = StorageSharedKeyCredential.DevelopmentStorage;

    private BlobContainerClient Container(string name, Action<BlobClientOptions>? configure = null) =>
        new(azurite.ContainerUri(name), DevKey, azurite.Options(configure));

    private HttpClient PlainHttp() => azurite.CreateHttpClient();

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [AzuriteFact]
    public async Task Create_if_not_exists_creates_once()
    {
        BlobContainerClient container = Container("create-once");

        Assert.True((await container.CreateIfNotExistsAsync()).Value);
        Assert.False((await container.CreateIfNotExistsAsync()).Value);
    }

    [AzuriteFact]
    public async Task A_50_MB_capture_uploads_in_blocks_lists_and_downloads_intact_through_a_dropped_connection()
    {
        byte[] capture = RandomBytes(50 * 1024 * 1024, seed: 50);
        BlobContainerClient container = Container("captures", o => o.UploadBlockSize = 4 * 1024 * 1024);
        await container.CreateIfNotExistsAsync();
        await container.UploadAsync("op-1/vm1/packetcapture_10_00_00_000.cap", new MemoryStream(capture), "application/vnd.tcpdump.pcap");
        await container.UploadAsync("op-2/other.cap", new MemoryStream([1, 2, 3]));

        IReadOnlyList<BlobItem> listed = await container.GetBlobsAsync("op-1/");
        BlobItem item = Assert.Single(listed);
        Assert.Equal(capture.Length, item.ContentLength);
        Assert.Equal("application/vnd.tcpdump.pcap", (await container.GetPropertiesAsync(item.Name)).Value.ContentType);

        // Download through a proxy that cuts the connection 9 MB into the transfer (inside the third range).
        await using var proxy = new FlakyTcpProxy(azurite.BlobEndpoint);
        var throughProxy = new BlobContainerClient(new Uri($"https://127.0.0.1:{proxy.Port}/devstoreaccount1/captures"), DevKey, azurite.Options());
        await using Stream download = await throughProxy.OpenReadAsync(item.Name);
        proxy.DropOnceAfter(9 * 1024 * 1024);
        using var copy = new MemoryStream();
        await download.CopyToAsync(copy);

        Assert.Equal(1, proxy.Drops);
        Assert.Equal(SHA256.HashData(capture), SHA256.HashData(copy.ToArray()));
    }

    [AzuriteFact]
    public async Task A_blob_replaced_during_download_fails_instead_of_mixing_two_files()
    {
        BlobContainerClient container = Container("replaced", o => o.DownloadRangeSize = 1024);
        await container.CreateIfNotExistsAsync();
        await container.UploadAsync("a.cap", new MemoryStream(RandomBytes(4096, 1)));
        await using Stream download = await container.OpenReadAsync("a.cap");
        byte[] buffer = new byte[1024];
        await download.ReadExactlyAsync(buffer);

        await container.UploadAsync("a.cap", new MemoryStream(RandomBytes(4096, 2)));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => download.ReadExactlyAsync(buffer).AsTask());
        Assert.Equal("BlobChangedDuringDownload", error.ErrorCode);
    }

    [AzuriteFact]
    public async Task Upload_without_overwrite_keeps_the_existing_blob()
    {
        BlobContainerClient container = Container("no-overwrite");
        await container.CreateIfNotExistsAsync();
        await container.UploadAsync("report.json", new MemoryStream("{\"v\":1}"u8.ToArray()));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => container.UploadAsync("report.json", new MemoryStream("{\"v\":2}"u8.ToArray()), overwrite: false));

        Assert.Equal(409, error.Status);
        Assert.Equal("BlobAlreadyExists", error.ErrorCode);
        await using Stream read = await container.OpenReadAsync("report.json");
        Assert.Equal("{\"v\":1}", await new StreamReader(read).ReadToEndAsync());
    }

    [AzuriteFact]
    public async Task A_wrong_account_key_is_a_typed_authentication_error()
    {
        var container = new BlobContainerClient(azurite.ContainerUri("wrong-key"), new StorageSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])), azurite.Options());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => container.CreateIfNotExistsAsync());

        // Azure answers 403 AuthenticationFailed; Azurite with OAuth on answers 400 InvalidAuthenticationInfo.
        Assert.Contains(error.Status, new[] { 400, 403 });
        Assert.Contains("Authentication", error.ErrorCode);
        Assert.Contains("/devstoreaccount1/wrong-key", error.Message);
    }

    [AzuriteFact]
    public async Task A_write_sas_lets_a_gateway_upload_and_a_read_sas_expires()
    {
        BlobContainerClient container = Container("gateway-uploads");
        await container.CreateIfNotExistsAsync();
        using HttpClient http = PlainHttp();

        // What a VPN gateway does with the SAS URL it is given: PUT a blob into the container.
        Uri writeSas = container.GenerateSasUri(BlobSasPermissions.Create | BlobSasPermissions.Write, DateTimeOffset.UtcNow.AddMinutes(5));
        var put = new HttpRequestMessage(HttpMethod.Put, new UriBuilder(writeSas) { Path = writeSas.AbsolutePath + "/gw.pcap" }.Uri) { Content = new ByteArrayContent([0xd4, 0xc3, 0xb2, 0xa1]) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(put)).StatusCode);
        Assert.Equal(4, (await container.GetPropertiesAsync("gw.pcap")).Value.ContentLength);

        DateTimeOffset expiry = DateTimeOffset.UtcNow.AddSeconds(2);
        Uri readSas = container.GenerateSasUri(BlobSasPermissions.Read, expiry, "gw.pcap");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(readSas)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.DeleteAsync(readSas)).StatusCode); // read only
        await Task.Delay(expiry.AddSeconds(1.5) - DateTimeOffset.UtcNow);
        HttpResponseMessage expired = await http.GetAsync(readSas);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
    }

    [AzuriteFact]
    public async Task With_an_entra_token_the_client_works_and_issues_user_delegation_sas()
    {
        var container = new BlobContainerClient(azurite.ContainerUri("entra"), Azurite.EntraLikeCredential(), azurite.Options());
        await container.CreateIfNotExistsAsync();
        await container.UploadAsync("report.md", new MemoryStream("# verdict"u8.ToArray()), "text/markdown");

        Uri link = await container.GenerateUserDelegationSasUriAsync(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10), "report.md");
        using HttpClient http = PlainHttp();
        HttpResponseMessage read = await http.GetAsync(link);

        Assert.Contains("skoid=", link.Query);
        Assert.DoesNotContain("Eby8vdM02", link.AbsoluteUri);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("# verdict", await read.Content.ReadAsStringAsync());
        Assert.Throws<InvalidOperationException>(() => container.GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(1)));
    }
}
