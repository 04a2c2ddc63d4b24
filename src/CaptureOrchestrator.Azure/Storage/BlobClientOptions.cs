using Azure.Core;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Azure.Storage;

public sealed class BlobClientOptions : ClientOptions
{
    /// <summary>The Blob REST version sent as x-ms-version.</summary>
    public string ServiceVersion { get; set; } = "2024-11-04";

    /// <summary>Token audience for Entra ID auth (sovereign clouds have their own).</summary>
    public string Audience { get; set; } = "https://storage.azure.com";

    /// <summary>Bytes fetched per ranged GET when downloading; each range is retried on its own.</summary>
    public int DownloadRangeSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Bytes per block when uploading; smaller uploads go in one Put Blob.</summary>
    public int UploadBlockSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How often one range may fail (connection drop, timeout) before the download gives up.</summary>
    public int MaxRangeAttempts { get; set; } = 5;

    public ILoggerFactory? LoggerFactory { get; set; }
}
