namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>The wire type in the low three bits of a protobuf field tag: how the field's value is laid out.</summary>
public enum ProtobufWireType
{
    /// <summary>A base-128 varint: int32, int64, uint32, uint64, sint32, sint64, bool, enum.</summary>
    Varint = 0,

    /// <summary>Eight little-endian bytes: fixed64, sfixed64, double.</summary>
    Fixed64 = 1,

    /// <summary>A varint length and that many bytes: string, bytes, embedded messages, packed repeated fields.</summary>
    LengthDelimited = 2,

    /// <summary>The start of a group (deprecated): fields up to the matching <see cref="EndGroup"/>.</summary>
    StartGroup = 3,

    /// <summary>The end of a group (deprecated).</summary>
    EndGroup = 4,

    /// <summary>Four little-endian bytes: fixed32, sfixed32, float.</summary>
    Fixed32 = 5,
}
