using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using CaptureOrchestrator.Azure.Pipeline;

namespace CaptureOrchestrator.TestSupport;

/// <summary>
/// A real Azurite blob service (the npm package the test script installs), started on a free
/// loopback port and stopped when the tests end. By default over HTTPS with a throw-away
/// certificate and OAuth enabled, so both the emulator's shared key and Entra-style bearer tokens
/// can be used; <see cref="PlainAzurite"/> is the plain-HTTP, shared-key setup of a local run.
/// </summary>
public partial class Azurite : IAsyncLifetime
{
    private readonly bool _https;

    public Azurite()
        : this(https: true)
    {
    }

    protected Azurite(bool https) => _https = https;

    public const string MissingReason = "Azurite is not installed: run `npm ci` in the repository root (./scripts/test.sh does it)";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "co-azurite-" + Guid.NewGuid().ToString("N"));
    private Process? _process;
    private X509Certificate2? _certificate;

    public Uri BlobEndpoint { get; private set; } = null!;

    /// <summary>The thumbprint of the certificate an HTTPS instance serves (null over plain HTTP).</summary>
    public string? CertificateThumbprint => _certificate?.Thumbprint;

    public static string? Executable
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CaptureOrchestrator.sln")))
                {
                    string path = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite-blob");
                    return File.Exists(path) ? path : null;
                }
            }

            return null;
        }
    }

    public async Task InitializeAsync()
    {
        if (Executable is not { } executable)
        {
            return;
        }

        Directory.CreateDirectory(_folder);
        var arguments = new List<string> { "--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence", "--disableTelemetry", "--extentMemoryLimit", "512", "--skipApiVersionCheck" };
        if (_https)
        {
            _certificate = LoopbackHttpsServer.CreateCertificate();
            string certPath = Path.Combine(_folder, "cert.pem");
            string keyPath = Path.Combine(_folder, "key.pem");
            await File.WriteAllTextAsync(certPath, _certificate.ExportCertificatePem());
            using (RSA key = _certificate.GetRSAPrivateKey()!)
            {
                await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
            }

            arguments.AddRange(["--oauth", "basic", "--cert", certPath, "--key", keyPath]);
        }

        var start = new ProcessStartInfo(executable, arguments)
        {
            WorkingDirectory = _folder, // anything Azurite writes lands here and is deleted with it
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Task finished = await Task.WhenAny(listening.Task, _process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (finished != listening.Task)
        {
            throw new InvalidOperationException("Azurite did not start:\n" + output);
        }

        BlobEndpoint = listening.Task.Result;
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _certificate?.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>Client options that trust this Azurite's certificate only.</summary>
    public BlobClientOptions Options(Action<BlobClientOptions>? configure = null)
    {
        var options = new BlobClientOptions();
        if (_certificate is { Thumbprint: var thumbprint })
        {
            options.Transport = new HttpClientTransport(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint,
            });
        }

        options.Retry.Delay = TimeSpan.FromMilliseconds(20);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A plain HttpClient (as a gateway or a browser following a link would be) trusting this Azurite only.</summary>
    public HttpClient CreateHttpClient()
    {
        string thumbprint = _certificate?.Thumbprint ?? string.Empty;
        return new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint });
    }

    /// <summary>Azurite's well-known development account (public, documented, not a secret).</summary>
    public static StorageSharedKeyCredential DevelopmentKey { get; } = new("devstoreaccount1", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");

    /// <summary>An Azure.Storage.Blobs client of a container, with the development key (what a test reads back with).</summary>
    public BlobContainerClient Container(string name) => new(ContainerUri(name), DevelopmentKey, Options());

    /// <summary>The account's blob endpoint, e.g. http://127.0.0.1:PORT/devstoreaccount1.</summary>
    public Uri AccountEndpoint => new(BlobEndpoint.GetLeftPart(UriPartial.Authority) + "/devstoreaccount1");

    public Uri ContainerUri(string container) => new(BlobEndpoint.GetLeftPart(UriPartial.Authority) + "/devstoreaccount1/" + container);

    /// <summary>
    /// An Entra-shaped token Azurite's "basic" OAuth accepts: it checks issuer, audience and lifetime,
    /// not the signature. It stands in for what managed identity returns in Azure.
    /// </summary>
    public static TokenCredential EntraLikeCredential()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = Base64Url("""{"alg":"RS256","typ":"JWT"}""");
        string payload = Base64Url($$"""{"aud":"https://storage.azure.com","iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/","nbf":{{now - 60}},"iat":{{now - 60}},"exp":{{now + 3600}},"oid":"00000000-0000-0000-0000-0000000000aa","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47"}""");
        return new StaticTokenCredential($"{header}.{payload}.c2lnbmF0dXJl", DateTimeOffset.UtcNow.AddHours(1));
    }

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"listens on (https?://[0-9.]+:\d+)")]
    private static partial Regex ListeningLine();
}

/// <summary>Azurite as a local run uses it: plain HTTP on loopback, the development account's key.</summary>
public sealed class PlainAzurite : Azurite
{
    public PlainAzurite()
        : base(https: false)
    {
    }
}

/// <summary>A [Fact] that is skipped, with the reason, when Azurite is not installed.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (Azurite.Executable is null)
        {
            Skip = Azurite.MissingReason;
        }
    }
}

/// <summary>A [Theory] that is skipped, with the reason, when Azurite is not installed.</summary>
public sealed class AzuriteTheoryAttribute : TheoryAttribute
{
    public AzuriteTheoryAttribute()
    {
        if (Azurite.Executable is null)
        {
            Skip = Azurite.MissingReason;
        }
    }
}
