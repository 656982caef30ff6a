using System.Buffers.Binary;
using System.Text;

namespace PostTrain.Kube.Tests;

/// <summary>
/// Writes protobuf wire format for hand-built test vectors (field numbers taken from Kubernetes' generated.proto),
/// covering what the captured kubectl and helm bodies leave empty: times, owner references, managed fields, unknown fields.
/// </summary>
internal sealed class ProtobufWriter
{
    private readonly List<byte> _bytes = [];

    /// <summary>A Kubernetes protobuf body: <c>k8s\0</c> and a runtime.Unknown {typeMeta, raw, contentEncoding, contentType}.</summary>
    public static byte[] Envelope(string apiVersion, string kind, byte[] raw, string contentEncoding = "", string contentType = "")
    {
        var unknown = new ProtobufWriter()
            .Message(1, m => m.String(1, apiVersion).String(2, kind))
            .Bytes(2, raw)
            .String(3, contentEncoding)
            .String(4, contentType);
        return [.. "k8s\0"u8.ToArray(), .. unknown.ToArray()];
    }

    /// <summary>A field tag: the field number and wire type (0 varint, 1 fixed64, 2 length-delimited, 3/4 group, 5 fixed32).</summary>
    public ProtobufWriter Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

    /// <summary>A varint with no tag.</summary>
    public ProtobufWriter RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.Add((byte)value);
        return this;
    }

    /// <summary>Bytes with no tag or length.</summary>
    public ProtobufWriter RawBytes(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>An int64 field (negative values take ten bytes).</summary>
    public ProtobufWriter Int64(int field, long value) => Tag(field, 0).RawVarint(unchecked((ulong)value));

    /// <summary>A bool field.</summary>
    public ProtobufWriter Bool(int field, bool value) => Tag(field, 0).RawVarint(value ? 1UL : 0UL);

    /// <summary>A fixed32 field.</summary>
    public ProtobufWriter Fixed32(int field, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        return Tag(field, 5).RawBytes(buffer.ToArray());
    }

    /// <summary>A fixed64 field.</summary>
    public ProtobufWriter Fixed64(int field, ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        return Tag(field, 1).RawBytes(buffer.ToArray());
    }

    /// <summary>A bytes field.</summary>
    public ProtobufWriter Bytes(int field, byte[] value) => Tag(field, 2).RawVarint((ulong)value.Length).RawBytes(value);

    /// <summary>A string field, UTF-8.</summary>
    public ProtobufWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message field.</summary>
    public ProtobufWriter Message(int field, Action<ProtobufWriter> build)
    {
        var inner = new ProtobufWriter();
        build(inner);
        return Bytes(field, inner.ToArray());
    }

    /// <summary>One map&lt;string, string&gt; entry.</summary>
    public ProtobufWriter MapEntry(int field, string key, string value) => Message(field, e => e.String(1, key).String(2, value));

    /// <summary>One map&lt;string, bytes&gt; entry.</summary>
    public ProtobufWriter MapEntry(int field, string key, byte[] value) => Message(field, e => e.String(1, key).Bytes(2, value));

    /// <summary>A field of every wire type under numbers no Kubernetes message here uses, which a reader must skip.</summary>
    public ProtobufWriter UnknownFields() => this
        .Int64(901, -5)
        .Fixed64(902, 0x0102030405060708)
        .String(903, "from a newer server")
        .Fixed32(904, 0xDEADBEEF)
        .Tag(905, 3).Int64(1, 1).String(2, "grouped").Tag(905, 4);

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray() => [.. _bytes];
}
