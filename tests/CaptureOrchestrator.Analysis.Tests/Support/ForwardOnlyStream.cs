namespace CaptureOrchestrator.Analysis.Tests.Support;

/// <summary>
/// A stream like a network or blob download: no seeking, no length, and reads that return
/// fewer bytes than asked (here at most <c>chunk</c>), to prove readers never rely on either.
/// </summary>
public sealed class ForwardOnlyStream(byte[] data, int chunk = 7) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("forward-only stream has no length");

    public override long Position
    {
        get => throw new NotSupportedException("forward-only stream has no position");
        set => throw new NotSupportedException("forward-only stream cannot seek");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(Math.Min(count, chunk), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("forward-only stream cannot seek");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
