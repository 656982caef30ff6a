using System.Buffers.Binary;
using System.Text;

namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>
/// A minimal reader of the protobuf wire format over a span: tags, varints, fixed 32- and 64-bit values,
/// length-delimited values, and skipping a field by its wire type. Every malformed or truncated input throws
/// <see cref="InvalidDataException"/>; the reader never reads past its span.
/// </summary>
public ref struct ProtobufReader
{
    /// <summary>How deeply groups may nest while being skipped, so hostile input cannot exhaust the stack.</summary>
    private const int MaxGroupDepth = 64;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Creates a reader positioned at the first byte of <paramref name="data"/>.</summary>
    public ProtobufReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>The offset of the next byte to read.</summary>
    public readonly int Position => _position;

    /// <summary>Whether every byte has been read.</summary>
    public readonly bool End => _position >= _data.Length;

    /// <summary>
    /// Reads the next field tag, or returns false at the end of the input.
    /// </summary>
    /// <param name="fieldNumber">The field number (1 to 2^29 - 1).</param>
    /// <param name="wireType">How the field's value is encoded.</param>
    /// <exception cref="InvalidDataException">The tag is truncated, names field 0, or uses wire type 6 or 7.</exception>
    public bool TryReadTag(out int fieldNumber, out ProtobufWireType wireType)
    {
        if (End)
        {
            fieldNumber = 0;
            wireType = default;
            return false;
        }

        var tag = ReadVarint();
        var number = tag >> 3;
        var type = (int)(tag & 7);
        if (number == 0 || number > 0x1FFF_FFFF)
        {
            throw new InvalidDataException($"protobuf: invalid field number {number} at offset {_position}");
        }

        if (type > 5)
        {
            throw new InvalidDataException($"protobuf: invalid wire type {type} for field {number} at offset {_position}");
        }

        fieldNumber = (int)number;
        wireType = (ProtobufWireType)type;
        return true;
    }

    /// <summary>Reads a base-128 varint of at most ten bytes.</summary>
    /// <exception cref="InvalidDataException">The varint is truncated or longer than 64 bits.</exception>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (End)
            {
                throw Truncated("varint");
            }

            var b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw new InvalidDataException($"protobuf: varint overflows 64 bits at offset {_position - 1}");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException($"protobuf: varint longer than ten bytes at offset {_position}");
    }

    /// <summary>Reads an int64 (a varint holding the two's complement value).</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>Reads an int32: a varint whose low 32 bits are the value (negative values take ten bytes).</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    /// <summary>Reads a bool: any nonzero varint is true.</summary>
    public bool ReadBool() => ReadVarint() != 0;

    /// <summary>Reads four little-endian bytes.</summary>
    /// <exception cref="InvalidDataException">Fewer than four bytes remain.</exception>
    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "fixed32"));

    /// <summary>Reads eight little-endian bytes.</summary>
    /// <exception cref="InvalidDataException">Fewer than eight bytes remain.</exception>
    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "fixed64"));

    /// <summary>Reads a varint length and returns that many bytes (a string, bytes or an embedded message).</summary>
    /// <exception cref="InvalidDataException">The length runs past the end of the input.</exception>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException($"protobuf: length {length} at offset {_position} runs past the end of the input ({_data.Length - _position} bytes left)");
        }

        return Take((int)length, "length-delimited value");
    }

    /// <summary>
    /// Reads a length-delimited UTF-8 string. Invalid UTF-8 becomes U+FFFD, as Go's encoding/json writes such a string.
    /// </summary>
    public string ReadString() => Utf8.GetString(ReadLengthDelimited());

    /// <summary>Skips the value of a field whose tag has just been read.</summary>
    /// <param name="fieldNumber">The field's number (to match a group's end tag).</param>
    /// <param name="wireType">The field's wire type.</param>
    /// <exception cref="InvalidDataException">The value is truncated, or a group is unbalanced or nested too deeply.</exception>
    public void Skip(int fieldNumber, ProtobufWireType wireType) => Skip(fieldNumber, wireType, 0);

    private void Skip(int fieldNumber, ProtobufWireType wireType, int depth)
    {
        switch (wireType)
        {
            case ProtobufWireType.Varint:
                ReadVarint();
                break;
            case ProtobufWireType.Fixed64:
                Take(8, "fixed64");
                break;
            case ProtobufWireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case ProtobufWireType.Fixed32:
                Take(4, "fixed32");
                break;
            case ProtobufWireType.StartGroup:
                if (depth >= MaxGroupDepth)
                {
                    throw new InvalidDataException($"protobuf: groups nested more than {MaxGroupDepth} deep");
                }

                while (true)
                {
                    if (!TryReadTag(out var inner, out var innerType))
                    {
                        throw Truncated($"group {fieldNumber}");
                    }

                    if (innerType == ProtobufWireType.EndGroup)
                    {
                        if (inner != fieldNumber)
                        {
                            throw new InvalidDataException($"protobuf: group {fieldNumber} ended by the end tag of {inner}");
                        }

                        return;
                    }

                    Skip(inner, innerType, depth + 1);
                }

            case ProtobufWireType.EndGroup:
                throw new InvalidDataException($"protobuf: end of group {fieldNumber} without its start");
            default:
                throw new InvalidDataException($"protobuf: invalid wire type {(int)wireType}");
        }
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > _data.Length - _position)
        {
            throw Truncated(what);
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly InvalidDataException Truncated(string what) =>
        new($"protobuf: truncated {what} at offset {_position} of {_data.Length}");
}
