using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>
/// Reads a protobuf message by its <see cref="ProtoMessage"/> schema into the JSON the Kubernetes API writes for it:
/// JSON names, omitempty zeros left out, bytes as base64, times as RFC 3339. Unknown field numbers are skipped by wire
/// type; a known field with the wrong wire type, or malformed bytes, throw <see cref="InvalidDataException"/>.
/// </summary>
internal static class ProtoJsonDecoder
{
    /// <summary>Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: JSON leaves it out, like an empty Time.</summary>
    private const long GoZeroTimeSeconds = -62_135_596_800;

    /// <summary>Decodes <paramref name="data"/> as a <paramref name="message"/> into a new JSON object.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> data, ProtoMessage message)
    {
        var target = new JsonObject();
        DecodeInto(data, message, target);
        return target;
    }

    /// <summary>
    /// Decodes <paramref name="data"/> into <paramref name="target"/>: a later scalar replaces an earlier one, and an
    /// embedded message seen twice merges, as protobuf parsers do.
    /// </summary>
    public static void DecodeInto(ReadOnlySpan<byte> data, ProtoMessage message, JsonObject target)
    {
        var reader = new ProtobufReader(data);
        while (reader.TryReadTag(out var number, out var wireType))
        {
            if (!message.Fields.TryGetValue(number, out var field))
            {
                reader.Skip(number, wireType);
                continue;
            }

            if (wireType != field.WireType)
            {
                throw new InvalidDataException($"protobuf: {message.Name}.{field.JsonName} (field {number}) has wire type {wireType}, expected {field.WireType}");
            }

            var context = $"{message.Name}.{field.JsonName}";
            if (field.Repeated)
            {
                Array(target, field.JsonName).Add(ReadValue(ref reader, field, context));
            }
            else if (field.Kind is ProtoFieldKind.StringMap or ProtoFieldKind.BytesMap)
            {
                var (key, value) = ReadMapEntry(reader.ReadLengthDelimited(), field.Kind == ProtoFieldKind.BytesMap, context);
                Object(target, field.JsonName)[key] = value;
            }
            else if (field.Kind == ProtoFieldKind.Message)
            {
                DecodeInto(reader.ReadLengthDelimited(), field.Message!, Object(target, field.JsonName));
            }
            else
            {
                var value = ReadValue(ref reader, field, context);
                if (value is null || (!field.KeepZero && IsZero(value)))
                {
                    target.Remove(field.JsonName);
                }
                else
                {
                    target[field.JsonName] = value;
                }
            }
        }
    }

    /// <summary>Reads one scalar, time, FieldsV1 or (for repeated fields) message value; null where JSON has none.</summary>
    private static JsonNode? ReadValue(ref ProtobufReader reader, ProtoField field, string context) => field.Kind switch
    {
        ProtoFieldKind.String => JsonValue.Create(reader.ReadString()),
        ProtoFieldKind.Bytes => JsonValue.Create(Convert.ToBase64String(reader.ReadLengthDelimited())),
        ProtoFieldKind.Int64 => JsonValue.Create(reader.ReadInt64()),
        ProtoFieldKind.Bool => JsonValue.Create(reader.ReadBool()),
        ProtoFieldKind.Time => ReadTime(reader.ReadLengthDelimited(), context),
        ProtoFieldKind.FieldsV1 => ReadFieldsV1(reader.ReadLengthDelimited(), context),
        ProtoFieldKind.Message => Decode(reader.ReadLengthDelimited(), field.Message!),
        _ => throw new UnreachableException($"{context}: a {field.Kind} field is read as a map entry, not a value"),
    };

    private static bool IsZero(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>().Length == 0,
        JsonValueKind.Number => value.GetValue<long>() == 0,
        JsonValueKind.False => true,
        _ => false,
    };

    /// <summary>A map entry message: key = 1, value = 2; either may be absent (then empty).</summary>
    private static (string Key, JsonNode Value) ReadMapEntry(ReadOnlySpan<byte> entry, bool bytesValue, string context)
    {
        var reader = new ProtobufReader(entry);
        var key = "";
        var value = "";
        while (reader.TryReadTag(out var number, out var wireType))
        {
            if (number is not (1 or 2))
            {
                reader.Skip(number, wireType);
                continue;
            }

            if (wireType != ProtobufWireType.LengthDelimited)
            {
                throw new InvalidDataException($"protobuf: {context} map entry field {number} has wire type {wireType}, expected {ProtobufWireType.LengthDelimited}");
            }

            if (number == 1)
            {
                key = reader.ReadString();
            }
            else
            {
                value = bytesValue ? Convert.ToBase64String(reader.ReadLengthDelimited()) : reader.ReadString();
            }
        }

        return (key, JsonValue.Create(value));
    }

    /// <summary>
    /// metav1.Time: {seconds = 1, nanos = 2}. An empty message is the zero time, which JSON leaves out; nanos are
    /// dropped, as Kubernetes' own Time.Unmarshal drops them, and the JSON form is RFC 3339 in UTC to the second.
    /// </summary>
    private static JsonValue? ReadTime(ReadOnlySpan<byte> data, string context)
    {
        if (data.IsEmpty)
        {
            return null;
        }

        var reader = new ProtobufReader(data);
        long seconds = 0;
        while (reader.TryReadTag(out var number, out var wireType))
        {
            if (number == 1 && wireType == ProtobufWireType.Varint)
            {
                seconds = reader.ReadInt64();
            }
            else if (number is 1 or 2 && wireType != ProtobufWireType.Varint)
            {
                throw new InvalidDataException($"protobuf: {context} Time field {number} has wire type {wireType}, expected {ProtobufWireType.Varint}");
            }
            else
            {
                reader.Skip(number, wireType);
            }
        }

        if (seconds == GoZeroTimeSeconds)
        {
            return null;
        }

        if (seconds < GoZeroTimeSeconds || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new InvalidDataException($"protobuf: {context} time {seconds} s is outside years 1 to 9999");
        }

        var time = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        return JsonValue.Create(time.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture));
    }

    /// <summary>metav1.FieldsV1: {Raw = 1}, whose bytes are the JSON object written in its place.</summary>
    private static JsonNode? ReadFieldsV1(ReadOnlySpan<byte> data, string context)
    {
        var reader = new ProtobufReader(data);
        var raw = ReadOnlySpan<byte>.Empty;
        while (reader.TryReadTag(out var number, out var wireType))
        {
            if (number == 1 && wireType == ProtobufWireType.LengthDelimited)
            {
                raw = reader.ReadLengthDelimited();
            }
            else if (number == 1)
            {
                throw new InvalidDataException($"protobuf: {context} Raw has wire type {wireType}, expected {ProtobufWireType.LengthDelimited}");
            }
            else
            {
                reader.Skip(number, wireType);
            }
        }

        if (raw.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(raw);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"protobuf: {context} is not JSON: {e.Message}", e);
        }
    }

    private static JsonArray Array(JsonObject target, string name)
    {
        if (target[name] is JsonArray existing)
        {
            return existing;
        }

        var created = new JsonArray();
        target[name] = created;
        return created;
    }

    private static JsonObject Object(JsonObject target, string name)
    {
        if (target[name] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        target[name] = created;
        return created;
    }
}
