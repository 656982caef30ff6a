using System.Buffers;
using System.Globalization;
using System.Text;

namespace PostTrain.Metrics;

/// <summary>
/// A growable UTF-8 buffer rented from the array pool, written synchronously and flushed to a stream
/// between series. Numbers are formatted straight into it, so a scrape allocates next to nothing.
/// </summary>
internal sealed class ExpositionWriter : IDisposable
{
    /// <summary>Pending bytes beyond which the collector flushes to the stream.</summary>
    public const int FlushThreshold = 32 * 1024;

    private byte[] _buffer;
    private int _length;

    public ExpositionWriter(ExpositionFormat format)
    {
        Format = format;
        _buffer = ArrayPool<byte>.Shared.Rent(FlushThreshold + 4096);
    }

    public ExpositionFormat Format { get; }

    public int Length => _length;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void Write(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    /// <summary>Writes an ASCII or UTF-8 string (used for rare text only: the hot path writes pre-encoded bytes).</summary>
    public void Write(string text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    public void Write(long value)
    {
        Ensure(24);
        value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
    }

    /// <summary>
    /// A sample value: the shortest round-trip form, "+Inf", "-Inf" or "NaN"; in OpenMetrics integral
    /// values get ".0" as its canonical numbers do.
    /// </summary>
    public void Write(double value)
    {
        Ensure(40);
        var written = FormatDouble(value, _buffer.AsSpan(_length), Format == ExpositionFormat.OpenMetrics);
        _length += written;
    }

    /// <summary>Formats a double the way the exposition formats want it; returns the bytes written.</summary>
    public static int FormatDouble(double value, Span<byte> destination, bool openMetrics)
    {
        if (double.IsNaN(value))
        {
            "NaN"u8.CopyTo(destination);
            return 3;
        }

        if (double.IsPositiveInfinity(value))
        {
            "+Inf"u8.CopyTo(destination);
            return 4;
        }

        if (double.IsNegativeInfinity(value))
        {
            "-Inf"u8.CopyTo(destination);
            return 4;
        }

        value.TryFormat(destination, out var written, "R", CultureInfo.InvariantCulture);
        if (openMetrics && destination[..written].IndexOfAny((byte)'.', (byte)'E') < 0)
        {
            destination[written++] = (byte)'.';
            destination[written++] = (byte)'0';
        }

        return written;
    }

    public async ValueTask FlushAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (_length == 0)
        {
            return;
        }

        await stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        _length = 0;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
