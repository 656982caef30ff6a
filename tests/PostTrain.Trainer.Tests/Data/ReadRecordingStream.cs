namespace PostTrain.Trainer.Tests.Data;

/// <summary>A read-only wrapper that records the byte range of every read, to see which parts of a file a reader touched.</summary>
public sealed class ReadRecordingStream(Stream inner) : Stream
{
    private readonly List<(long Start, long End)> _reads = [];

    public IReadOnlyList<(long Start, long End)> Reads
    {
        get
        {
            lock (_reads)
            {
                return [.. _reads];
            }
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Record(inner.Position, inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Record(inner.Position, inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var start = inner.Position;
        return Record(start, await inner.ReadAsync(buffer, cancellationToken));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Record(long start, int read)
    {
        if (read > 0)
        {
            lock (_reads)
            {
                _reads.Add((start, start + read));
            }
        }

        return read;
    }
}
