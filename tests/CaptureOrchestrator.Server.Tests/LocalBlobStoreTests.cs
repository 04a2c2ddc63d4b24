using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using CaptureOrchestrator.Activities.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// The server with no configuration at all but a data folder: it answers health, and its local blob
/// store (the orchestrator's storage when no account is configured) speaks Blob REST as the service
/// does for the calls the product makes: Azure.Storage.Blobs works against it unchanged (SharedKey,
/// block uploads, paged listing, ranged reads pinned to an ETag, SAS it generates), and so do plain
/// HTTP requests with SAS links, as a browser or a gateway sends them.
/// </summary>
public sealed class LocalBlobStoreTests : IAsyncLifetime
{
    // The data folder sits one level down so a name that escaped it would still land inside _scratch.
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "co-local-" + Guid.NewGuid().ToString("N"));
    private readonly string _data;
    private WebApplication _app = null!;
    private Uri _server = null!;
    private StorageSharedKeyCredential _key = null!;
    private static readonly HttpClient Http = new();

    public LocalBlobStoreTests() => _data = Path.Combine(_scratch, "data");

    public async Task InitializeAsync()
    {
        _app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--CaptureOrchestrator:DataFolder", _data]);
        await _app.StartAsync();
        _server = InProcessServer.AddressOf(_app);
        _key = new StorageSharedKeyCredential("local", await File.ReadAllTextAsync(Path.Combine(_data, "blob-account.key")));
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_scratch, recursive: true);
    }

    /// <summary>The official client, as any Blob REST user would make it.</summary>
    private BlobContainerClient Container(string name, StorageSharedKeyCredential? key = null)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        return new BlobContainerClient(new Uri(_server, "/local/" + name), key ?? _key, options);
    }

    private async Task<BlobContainerClient> CreatedAsync(string name)
    {
        BlobContainerClient container = Container(name);
        Assert.NotNull(await container.CreateIfNotExistsAsync());
        Assert.Null(await container.CreateIfNotExistsAsync()); // the SDK's "already there" (409 ContainerAlreadyExists)
        return container;
    }

    private static async Task UploadAsync(BlobContainerClient container, string name, byte[] content, string? contentType = null, StorageTransferOptions? transfer = null) =>
        await container.GetBlobClient(name).UploadAsync(new MemoryStream(content), new BlobUploadOptions
        {
            HttpHeaders = contentType is null ? null : new BlobHttpHeaders { ContentType = contentType },
            TransferOptions = transfer ?? default,
        }).ConfigureAwait(false);

    private static string[] Names(BlobContainerClient container, string? prefix = null) =>
        [.. container.GetBlobs(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None).Select(b => b.Name)];

    [Fact]
    public async Task With_no_configuration_health_answers_and_blobs_are_plain_files_in_the_data_folder()
    {
        HttpResponseMessage health = await Http.GetAsync(new Uri(_server, "/api/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_data, "blob-account.key")));
        }

        BlobContainerClient reports = await CreatedAsync("reports");
        await UploadAsync(reports, "op-1/report.md", "# verdict"u8.ToArray(), "text/markdown");

        Assert.Equal("# verdict", await File.ReadAllTextAsync(Path.Combine(_data, "blobs", "reports", "op-1", "report.md")));
        BlobProperties properties = await reports.GetBlobClient("op-1/report.md").GetPropertiesAsync();
        Assert.Equal(("text/markdown", 9L), (properties.ContentType, properties.ContentLength));
    }

    [Fact]
    public async Task A_capture_uploaded_in_blocks_lists_by_prefix_and_reads_back_intact_in_ranges()
    {
        byte[] capture = new byte[10 * 1024 * 1024 + 17];
        new Random(7).NextBytes(capture);
        BlobContainerClient container = await CreatedAsync("captures");
        await UploadAsync(container, "op-1/vm1/capture.cap", capture, "application/vnd.tcpdump.pcap", new StorageTransferOptions { InitialTransferSize = 3 * 1024 * 1024, MaximumTransferSize = 3 * 1024 * 1024 });
        await UploadAsync(container, "op-2/other.cap", [1, 2, 3]);

        BlobItem listed = Assert.Single(container.GetBlobs(BlobTraits.None, BlobStates.None, "op-1/", CancellationToken.None));
        Assert.Equal(("op-1/vm1/capture.cap", capture.LongLength), (listed.Name, listed.Properties.ContentLength));
        await using Stream read = await container.GetBlobClient(listed.Name).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 1024 * 1024 + 5 });
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(SHA256.HashData(capture), SHA256.HashData(copy.ToArray()));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_data, "blobs", ".blocks", "captures"))); // committed blocks are gone
    }

    [Fact]
    public async Task The_products_own_store_works_against_it_as_against_azure_storage()
    {
        BlobStore store = BlobStore.WithAccountKey(() => new Uri(_server, "/local"), _key, new BlobClientOptions());
        StoreContainer container = store.Container("product");
        Assert.True(await container.CreateIfNotExistsAsync(CancellationToken.None));
        await container.UploadAsync("op-1/a.pcap", new MemoryStream([1, 2, 3, 4]), "application/vnd.tcpdump.pcap", overwrite: true, CancellationToken.None);

        BlobItem item = Assert.Single(await container.ListAsync("op-1/", CancellationToken.None));
        await using Stream read = await container.OpenReadAsync(item.Name, CancellationToken.None);
        Uri link = await container.SasAsync(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(5), item.Name, CancellationToken.None);

        Assert.Equal([1, 2, 3, 4], await ReadAllAsync(read));
        Assert.Equal([1, 2, 3, 4], await Http.GetByteArrayAsync(link));
    }

    [Fact]
    public async Task Listing_pages_with_a_marker_and_the_client_follows_every_page()
    {
        BlobContainerClient container = await CreatedAsync("paged");
        string[] names = [.. Enumerable.Range(0, 7).Select(i => $"f/{i}.pcap")];
        foreach (string name in names.Reverse())
        {
            await UploadAsync(container, name, [1]);
        }

        Uri list = container.GenerateSasUri(BlobContainerSasPermissions.List, DateTimeOffset.UtcNow.AddMinutes(5));
        XElement page = XElement.Parse(await Http.GetStringAsync(list + "&restype=container&comp=list&maxresults=3"));
        string[] paged = [.. container.GetBlobs(BlobTraits.None, BlobStates.None, "f/", CancellationToken.None).AsPages(pageSizeHint: 3).SelectMany(p => p.Values.Select(b => b.Name))];

        Assert.Equal(names[..3], page.Descendants("Name").Select(n => n.Value));
        Assert.Equal(names[2], page.Element("NextMarker")!.Value);
        Assert.Equal(names, paged);
        Assert.Equal(3, container.GetBlobs(BlobTraits.None, BlobStates.None, "f/", CancellationToken.None).AsPages(pageSizeHint: 3).Count());
    }

    [Fact]
    public async Task A_blob_replaced_during_download_fails_and_an_existing_blob_is_kept_without_overwrite()
    {
        BlobContainerClient container = await CreatedAsync("replaced");
        BlobClient blob = container.GetBlobClient("a.cap");
        await UploadAsync(container, "a.cap", new byte[4096]);
        await using Stream download = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 1024 });
        await download.ReadExactlyAsync(new byte[1024]);
        await Task.Delay(20);
        await UploadAsync(container, "a.cap", Enumerable.Repeat((byte)1, 4096).ToArray());

        RequestFailedException changed = await Assert.ThrowsAsync<RequestFailedException>(() => download.ReadExactlyAsync(new byte[1024]).AsTask());
        Assert.Equal((412, "ConditionNotMet"), (changed.Status, changed.ErrorCode));

        RequestFailedException exists = await Assert.ThrowsAsync<RequestFailedException>(() =>
            blob.UploadAsync(new MemoryStream([9]), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }));
        Assert.Equal((409, "BlobAlreadyExists"), (exists.Status, exists.ErrorCode));
        Assert.Equal(4096, (await blob.GetPropertiesAsync()).Value.ContentLength);
        Assert.True(await blob.DeleteIfExistsAsync());
        Assert.False(await blob.DeleteIfExistsAsync());
    }

    [Fact]
    public async Task Names_with_dots_backslashes_and_escapes_round_trip_and_stay_inside_the_container_folder()
    {
        BlobContainerClient container = await CreatedAsync("names");
        string[] names = ["..\\..\\escape.txt", "a/%2e%2e/b", "space and ü/%2F.pcap"];
        foreach (string name in names)
        {
            await UploadAsync(container, name, [42]);
        }

        Assert.Equal(names.Order(StringComparer.Ordinal), Names(container));
        // The payload is one byte, 42: wherever such a file lies is where a name's content was written.
        string folder = Path.GetFullPath(Path.Combine(_data, "blobs", "names")) + Path.DirectorySeparatorChar;
        string[] payloads = new DirectoryInfo(_scratch)
            .EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.Length == 1 && File.ReadAllBytes(f.FullName) is [42])
            .Select(f => f.FullName)
            .ToArray();
        Assert.Equal(3, payloads.Length);
        Assert.All(payloads, f => Assert.StartsWith(folder, f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sas_links_grant_their_letters_only_until_they_expire_and_only_for_their_blob()
    {
        BlobContainerClient container = await CreatedAsync("links");
        Uri write = container.GenerateSasUri(BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Write, DateTimeOffset.UtcNow.AddMinutes(5));

        // A gateway's upload: PUT into the container with the write SAS.
        var put = new HttpRequestMessage(HttpMethod.Put, $"{write.GetLeftPart(UriPartial.Path)}/gw.pcap{write.Query}") { Content = new ByteArrayContent([0xd4, 0xc3, 0xb2, 0xa1]) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Created, (await Http.SendAsync(put)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.GetAsync($"{write.GetLeftPart(UriPartial.Path)}/gw.pcap{write.Query}")).StatusCode); // write cannot read

        Uri read = container.GetBlobClient("gw.pcap").GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(5));
        HttpResponseMessage got = await Http.GetAsync(read);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal([0xd4, 0xc3, 0xb2, 0xa1], await got.Content.ReadAsByteArrayAsync());
        Assert.Equal([0xd4, 0xc3, 0xb2, 0xa1], (await new BlobClient(read).DownloadContentAsync()).Value.Content.ToArray()); // the SDK with the SAS alone

        await AssertRefusedAsync(HttpMethod.Delete, read, "AuthorizationPermissionMismatch");
        await AssertRefusedAsync(HttpMethod.Get, new Uri(read.AbsoluteUri.Replace("sp=r", "sp=rd", StringComparison.Ordinal)), "AuthenticationFailed"); // widened letters
        await AssertRefusedAsync(HttpMethod.Get, new Uri(read.AbsoluteUri.Replace("/gw.pcap", "/other.pcap", StringComparison.Ordinal)), "AuthenticationFailed"); // another blob
        await AssertRefusedAsync(HttpMethod.Get, container.GetBlobClient("gw.pcap").GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(-1)), "AuthenticationFailed"); // expired
        await AssertRefusedAsync(HttpMethod.Get, new Uri(read.GetLeftPart(UriPartial.Path)), "AuthenticationFailed"); // no credential at all
        await AssertRefusedAsync(HttpMethod.Put, new Uri(container.GenerateSasUri(BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Write, DateTimeOffset.UtcNow.AddMinutes(5)) + "&restype=container"), "AuthorizationPermissionMismatch");
    }

    [Fact]
    public async Task A_wrong_key_and_an_unsupported_blob_type_are_refused_with_the_services_error_codes()
    {
        await CreatedAsync("refusals");
        BlobContainerClient wrongKey = Container("refusals", key: new StorageSharedKeyCredential("local", Convert.ToBase64String(new byte[64])));
        RequestFailedException denied = await Assert.ThrowsAsync<RequestFailedException>(() => UploadAsync(wrongKey, "x", [1]));
        Assert.Equal((403, "AuthenticationFailed"), (denied.Status, denied.ErrorCode));

        Uri write = Container("refusals").GenerateSasUri(BlobContainerSasPermissions.Write, DateTimeOffset.UtcNow.AddMinutes(5));
        var append = new HttpRequestMessage(HttpMethod.Put, $"{write.GetLeftPart(UriPartial.Path)}/log{write.Query}") { Content = new ByteArrayContent([]) };
        append.Headers.Add("x-ms-blob-type", "AppendBlob");
        HttpResponseMessage answer = await Http.SendAsync(append);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("BlockBlob", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(Names(Container("refusals")));
    }

    [Fact]
    public async Task A_capture_account_without_its_blob_endpoint_stops_the_start_with_the_reason()
    {
        string data = Path.Combine(Path.GetTempPath(), "co-local-" + Guid.NewGuid().ToString("N"));
        await using WebApplication app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--CaptureOrchestrator:DataFolder", data,
            "--CaptureOrchestrator:Storage:CaptureAccountResourceId", FakeNetworkWatcher.StorageAccount]);

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("Storage:BlobEndpoint", error.Message, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task AssertRefusedAsync(HttpMethod method, Uri uri, string code)
    {
        HttpResponseMessage response = await Http.SendAsync(new HttpRequestMessage(method, uri));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(code, response.Headers.GetValues("x-ms-error-code").Single());
    }
}
