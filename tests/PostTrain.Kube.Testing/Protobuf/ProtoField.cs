namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>One field of a Kubernetes protobuf message: its number in the .proto file and its JSON name.</summary>
/// <param name="Number">The field number from the generated.proto definition.</param>
/// <param name="JsonName">The name the JSON API gives the field.</param>
/// <param name="Kind">How the value is read and written.</param>
/// <param name="Repeated">Whether the field is a repeated one (a JSON array).</param>
/// <param name="KeepZero">
/// Whether an empty string, 0 or false read from the wire still appears in JSON. Kubernetes' generated marshallers
/// write every non-pointer field, zero or not, and the JSON API drops the zero ones tagged omitempty; a pointer field
/// (*bool, *int64, *string) is on the wire only when set, and a field without omitempty is always in JSON: both keep zero.
/// </param>
/// <param name="Message">The embedded message's schema, for <see cref="ProtoFieldKind.Message"/>.</param>
internal sealed record ProtoField(int Number, string JsonName, ProtoFieldKind Kind, bool Repeated = false, bool KeepZero = false, ProtoMessage? Message = null)
{
    /// <summary>The wire type this field must arrive with.</summary>
    public ProtobufWireType WireType => Kind is ProtoFieldKind.Int64 or ProtoFieldKind.Bool ? ProtobufWireType.Varint : ProtobufWireType.LengthDelimited;
}
