using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// Everything an end-to-end run needs, all real and on loopback: the server (embedded engine,
/// SQLite in a temp folder) listening on HTTP, Azurite, the fake Network Watcher, and a receiver for
/// Teams and the ticket system. Requests go over HTTP with real signatures.
/// </summary>
public sealed class OrchestratorRig : IAsyncDisposable
{
    public const string SigningKey = "test-signing-key-0123456789abcdef";
    public const string CallbackKey = "test-callback-key-0123456789abcdef";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly string _data;
    private readonly bool _outOfProcess;

    private OrchestratorRig(string data, WebApplication app, FakeNetworkWatcher arm, WebhookReceiver receiver, HttpClient http, bool outOfProcess = false)
    {
        _data = data;
        _outOfProcess = outOfProcess;
        App = app;
        Arm = arm;
        Receiver = receiver;
        Http = http;
    }

    public WebApplication App { get; private set; }

    /// <summary>The real serve process, when the rig runs the server out of process.</summary>
    public ServeProcess? Process { get; private set; }

    public FakeNetworkWatcher Arm { get; }

    public WebhookReceiver Receiver { get; }

    public HttpClient Http { get; private set; }

    public Dictionary<string, string?> Settings { get; } = [];

    /// <param name="storage">The storage account (Azurite); null: none, so the server keeps blobs in its own local store and serves them over HTTPS too.</param>
    /// <param name="configure">Changes to the settings below.</param>
    /// <param name="outOfProcess">Run the real `serve` process (configured through its environment) instead of the server in this process.</param>
    public static async Task<OrchestratorRig> StartAsync(Azurite? storage, Action<Dictionary<string, string?>>? configure = null, bool outOfProcess = false)
    {
        string data = Path.Combine(Path.GetTempPath(), "co-server-" + Guid.NewGuid().ToString("N"));
        FakeNetworkWatcher arm = await FakeNetworkWatcher.StartAsync(storage);
        WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["CaptureOrchestrator:DataFolder"] = data,
            ["CaptureOrchestrator:Api:SigningKey"] = SigningKey,
            ["CaptureOrchestrator:Api:EventGridKey"] = "grid-key",
            ["CaptureOrchestrator:Api:RequestsPerMinute"] = "100000", // status polling below is frequent
            ["CaptureOrchestrator:Arm:Endpoint"] = arm.Server.BaseUri.AbsoluteUri,
            ["CaptureOrchestrator:Arm:BearerToken"] = "static-test-token",
            ["CaptureOrchestrator:Arm:TrustedCertificateThumbprint"] = arm.Server.CertificateThumbprint,
            ["CaptureOrchestrator:Arm:PollingIntervalMilliseconds"] = "50",
            ["CaptureOrchestrator:LogAnalytics:Endpoint"] = arm.Server.BaseUri.AbsoluteUri,
            ["CaptureOrchestrator:Notifications:TeamsWebhookUrl"] = new Uri(receiver.BaseUri, "/teams").AbsoluteUri,
            ["CaptureOrchestrator:Notifications:AllowedHosts:0"] = "127.0.0.1",
            ["CaptureOrchestrator:Notifications:CallbackSigningKey"] = CallbackKey,
            ["CaptureOrchestrator:Limits:MinDurationSeconds"] = "2",
            ["CaptureOrchestrator:Limits:AllowedScopes:0"] = $"/subscriptions/{FakeNetworkWatcher.Subscription}/resourceGroups/app",
            ["CaptureOrchestrator:Timings:FileDeadlineSeconds"] = "6",
            ["CaptureOrchestrator:Timings:FirstPollSeconds"] = "1",
            ["CaptureOrchestrator:Timings:MaxPollSeconds"] = "2",
            ["CaptureOrchestrator:Sweeper:IntervalMinutes"] = "0", // tests that sweep switch it on
        };
        if (storage is not null)
        {
            settings["CaptureOrchestrator:Storage:BlobEndpoint"] = storage.AccountEndpoint.AbsoluteUri;
            settings["CaptureOrchestrator:Storage:AccountName"] = "devstoreaccount1";
            settings["CaptureOrchestrator:Storage:AccountKey"] = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
            settings["CaptureOrchestrator:Storage:CaptureAccountResourceId"] = FakeNetworkWatcher.StorageAccount;
            settings["CaptureOrchestrator:Storage:TrustedCertificateThumbprint"] = storage.CertificateThumbprint;
        }
        else
        {
            // HTTPS beside HTTP: gateways upload only to https SAS URLs, and links are handed out on the HTTPS address.
            string certificate = Path.Combine(Path.GetTempPath(), "co-server-" + Guid.NewGuid().ToString("N") + ".pfx");
            using System.Security.Cryptography.X509Certificates.X509Certificate2 tls = LoopbackHttpsServer.CreateCertificate();
            await File.WriteAllBytesAsync(certificate, tls.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "rig"));
            settings["urls"] = "http://127.0.0.1:0;https://127.0.0.1:0";
            settings["Kestrel:Certificates:Default:Path"] = certificate;
            settings["Kestrel:Certificates:Default:Password"] = "rig";
            string thumbprint = tls.Thumbprint;
            arm.GatewayHttp = () => new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == thumbprint });
        }

        configure?.Invoke(settings);
        if (outOfProcess)
        {
            // Fixed ports: the restarted process must listen where the first one did (links, SAS URLs).
            settings["urls"] = string.Join(';', settings["urls"]!.Split(';').Select(u => u.Replace(":0", ":" + ServeProcess.FreePort(), StringComparison.Ordinal)));
        }

        var rig = new OrchestratorRig(data, null!, arm, receiver, null!, outOfProcess);
        foreach ((string key, string? value) in settings)
        {
            rig.Settings[key] = value;
        }

        await rig.StartServerAsync();
        return rig;
    }

    /// <summary>Stops the server (as a crash or a restart would) and starts it again on the same data folder.</summary>
    public async Task RestartAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Http.Dispose();
        await StartServerAsync();
    }

    /// <summary>Kills the serve process with SIGKILL (out of process only), as a crash does.</summary>
    public async Task KillAsync()
    {
        Assert.True(_outOfProcess, "only the serve process can be killed");
        await Process!.KillAsync();
    }

    /// <summary>Starts serve again on the same data folder and addresses, after <see cref="KillAsync"/>.</summary>
    public async Task StartAgainAsync()
    {
        await Process!.DisposeAsync();
        Http.Dispose();
        await StartServerAsync();
    }

    private async Task StartServerAsync()
    {
        if (_outOfProcess)
        {
            string urls = Settings["urls"]!;
            Process = ServeProcess.Start(urls, Settings);
            var plain = new Uri(urls.Split(';').First(u => u.StartsWith("http:", StringComparison.Ordinal)));
            await Process.WaitUntilServingAsync(plain);
            Http = new HttpClient { BaseAddress = plain, Timeout = TimeSpan.FromSeconds(60) };
            return;
        }

        App = ServerHost.Build([], config => config.AddInMemoryCollection(Settings));
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = InProcessServer.AddressOf(App), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The engine's client, as an operator's tooling would use it (for tests that need a workflow to die).</summary>
    internal CaptureOrchestrator.Core.Workflows.IWorkflowClient Workflows => _outOfProcess
        ? throw new InvalidOperationException("the serve process is reached over HTTP only")
        : App.Services.GetRequiredService<Composition>().Client;

    /// <summary>Teams cards received so far, as text.</summary>
    public IReadOnlyList<string> TeamsCards => Receiver.Received.Where(r => r.Path == "/teams").Select(r => Encoding.UTF8.GetString(r.Body)).ToArray();

    /// <summary>Sends a request signed as a ticket system would.</summary>
    public Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, string path, object? body = null, string? key = SigningKey, DateTimeOffset? at = null)
    {
        byte[] bytes = body is null ? [] : body is string text ? Encoding.UTF8.GetBytes(text) : JsonSerializer.SerializeToUtf8Bytes(body, Web);
        return Http.SendAsync(InProcessServer.Signed(method, path, bytes, key, at));
    }

    /// <summary>A capture request as a ticket system sends it (the VM by default).</summary>
    public static object CaptureRequest(
        string ticketId, int durationSeconds = 2, string? clientRequestId = null, string? callback = null, TrafficFilterRequest? filter = null, params string[] targets) => new
    {
        ticket = new { system = "servicenow", id = ticketId, clientRequestId },
        targets = (targets.Length == 0 ? [FakeNetworkWatcher.Vm] : targets).Select(resourceId => new { resourceId }).ToArray(),
        filter = filter ?? new TrafficFilterRequest(LocalIp: "10.1.0.4"),
        durationSeconds,
        callbackUrl = callback,
    };

    /// <summary>Starts a capture, asserting it is accepted; its operation id.</summary>
    public async Task<string> StartCaptureAsync(object request)
    {
        HttpResponseMessage response = await SendSignedAsync(HttpMethod.Post, "/api/captures", request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["operationId"]!.GetValue<string>();
    }

    /// <summary>Polls the status until the operation ends (or the deadline passes).</summary>
    public async Task<JsonObject> WaitForEndAsync(string operationId, TimeSpan timeout)
    {
        DateTime giveUp = DateTime.UtcNow + timeout;
        while (true)
        {
            HttpResponseMessage response = await SendSignedAsync(HttpMethod.Get, $"/api/captures/{operationId}");
            JsonObject status = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.True(response.IsSuccessStatusCode, $"status query answered {(int)response.StatusCode}: {status.ToJsonString()}");
            string runtime = status["runtimeStatus"]!.GetValue<string>();
            if (runtime is not ("Running" or "Pending") || DateTime.UtcNow > giveUp)
            {
                return status;
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        string[] unlisted = [.. Arm.Unlisted];
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }
        else
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        Http.Dispose();
        await Arm.DisposeAsync();
        await Receiver.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Settings.GetValueOrDefault("Kestrel:Certificates:Default:Path") is { } certificate)
        {
            File.Delete(certificate);
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }

        Assert.True(unlisted.Length == 0, "requests outside the operation table (and so the custom role): " + string.Join(", ", unlisted));
    }
}
