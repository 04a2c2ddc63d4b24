using Azure;

namespace CaptureOrchestrator.Azure.Storage;

/// <summary>
/// Reads a blob range by range. Each range is pinned to the ETag seen when the download began (a
/// blob replaced mid-download fails with 412 instead of mixing two files) and is fetched again
/// from its start if the connection drops part-way.
/// </summary>
internal sealed class BlobRangeReadStream(BlobContainerClient container, string blobName, long length, string etag, int rangeSize, int maxAttempts) : Stream
{
    private byte[] _range = [];
    private int _rangeOffset;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>How many range requests failed and were repeated (for diagnostics and tests).</summary>
    public int RetriedRanges { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_rangeOffset == _range.Length)
        {
            long rangeStart = _position;
            if (rangeStart >= length)
            {
                return 0;
            }

            _range = await FetchAsync(rangeStart, (int)Math.Min(rangeSize, length - rangeStart), cancellationToken).ConfigureAwait(false);
            _rangeOffset = 0;
        }

        int count = Math.Min(buffer.Length, _range.Length - _rangeOffset);
        _range.AsMemory(_rangeOffset, count).CopyTo(buffer);
        _rangeOffset += count;
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private async Task<byte[]> FetchAsync(long offset, int count, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                byte[] data = await container.DownloadRangeAsync(blobName, offset, count, etag, cancellationToken).ConfigureAwait(false);
                return data.Length == count
                    ? data
                    : throw new IOException($"range at {offset} returned {data.Length} of {count} bytes");
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                throw new RequestFailedException(412, $"Blob '{blobName}' changed while it was being downloaded (ETag is no longer {etag}).", "BlobChangedDuringDownload", ex);
            }
            catch (Exception ex) when (attempt < maxAttempts && !cancellationToken.IsCancellationRequested && IsTransient(ex))
            {
                RetriedRanges++;
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        IOException => true,
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsTransient),
        OperationCanceledException => true, // a per-try network timeout, not the caller's token (checked above)
        _ => false,
    };

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
