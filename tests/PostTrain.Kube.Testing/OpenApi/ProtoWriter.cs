using System.Buffers.Binary;
using System.Text;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// Writes the protocol buffers wire format (proto3: fields at their default value are left out): varints,
/// 64-bit doubles and length-delimited strings and nested messages. Enough to encode an OpenAPI document.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>A string field (left out when null or empty).</summary>
    public void String(int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        Bytes(field, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>A repeated string field.</summary>
    public void Strings(int field, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            Bytes(field, Encoding.UTF8.GetBytes(value));
        }
    }

    /// <summary>A bool field (left out when false).</summary>
    public void Bool(int field, bool value)
    {
        if (value)
        {
            Tag(field, 0);
            Varint(1);
        }
    }

    /// <summary>An int64 field (left out when zero).</summary>
    public void Int64(int field, long value)
    {
        if (value != 0)
        {
            Tag(field, 0);
            Varint(unchecked((ulong)value));
        }
    }

    /// <summary>A double field (left out when zero).</summary>
    public void Double(int field, double value)
    {
        if (value != 0)
        {
            Tag(field, 1);
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
            _buffer.Write(bytes);
        }
    }

    /// <summary>A nested message field, written even when empty (its presence can matter).</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        Bytes(field, nested._buffer.GetBuffer().AsSpan(0, (int)nested._buffer.Length));
    }

    private void Bytes(int field, ReadOnlySpan<byte> bytes)
    {
        Tag(field, 2);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    private void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
