namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>
/// The runtime.Unknown envelope of a Kubernetes protobuf body (k8s.io/apimachinery pkg/runtime generated.proto):
/// typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4.
/// </summary>
internal readonly ref struct RuntimeUnknown
{
    /// <summary>The object's apiVersion, such as v1.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>The object's kind, such as Secret.</summary>
    public required string Kind { get; init; }

    /// <summary>The object's own message bytes.</summary>
    public required ReadOnlySpan<byte> Raw { get; init; }

    /// <summary>How <see cref="Raw"/> is compressed; empty when it is not.</summary>
    public required string ContentEncoding { get; init; }

    /// <summary>The media type of <see cref="Raw"/>; empty for protobuf.</summary>
    public required string ContentType { get; init; }

    /// <summary>Reads the envelope that follows the magic bytes; unknown fields are skipped.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid runtime.Unknown.</exception>
    public static RuntimeUnknown Read(ReadOnlySpan<byte> data)
    {
        string apiVersion = "", kind = "", contentEncoding = "", contentType = "";
        var raw = ReadOnlySpan<byte>.Empty;
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var number, out var wireType))
        {
            if (number is < 1 or > 4)
            {
                reader.Skip(number, wireType);
                continue;
            }

            if (wireType != ProtobufWireType.LengthDelimited)
            {
                throw new InvalidDataException($"protobuf: runtime.Unknown field {number} has wire type {wireType}, expected {ProtobufWireType.LengthDelimited}");
            }

            switch (number)
            {
                case 1:
                    ReadTypeMeta(reader.ReadLengthDelimited(), ref apiVersion, ref kind);
                    break;
                case 2:
                    raw = reader.ReadLengthDelimited();
                    break;
                case 3:
                    contentEncoding = reader.ReadString();
                    break;
                default:
                    contentType = reader.ReadString();
                    break;
            }
        }

        return new RuntimeUnknown { ApiVersion = apiVersion, Kind = kind, Raw = raw, ContentEncoding = contentEncoding, ContentType = contentType };
    }

    private static void ReadTypeMeta(ReadOnlySpan<byte> data, ref string apiVersion, ref string kind)
    {
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var number, out var wireType))
        {
            if (number is not (1 or 2))
            {
                reader.Skip(number, wireType);
                continue;
            }

            if (wireType != ProtobufWireType.LengthDelimited)
            {
                throw new InvalidDataException($"protobuf: runtime.TypeMeta field {number} has wire type {wireType}, expected {ProtobufWireType.LengthDelimited}");
            }

            if (number == 1)
            {
                apiVersion = reader.ReadString();
            }
            else
            {
                kind = reader.ReadString();
            }
        }
    }
}
