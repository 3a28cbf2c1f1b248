namespace Reb.Cluster.Tests.TestSupport;

/// <summary>Wraps a stream so it can only be read forward, like a network upload: stores must not rely on Length or
/// Seek.</summary>
public sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException();
        set => throw new NotSupportedException(); }
    // short reads on purpose
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000));
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        => inner.ReadAsync(buffer[..Math.Min(buffer.Length, 1000)], ct);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
}
