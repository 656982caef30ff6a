namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>How a field of a Kubernetes protobuf message is read and written as JSON.</summary>
internal enum ProtoFieldKind
{
    /// <summary>A UTF-8 string, written as a JSON string.</summary>
    String,

    /// <summary>Bytes, written as a base64 JSON string (as Go's encoding/json writes []byte).</summary>
    Bytes,

    /// <summary>An int64 varint, written as a JSON number.</summary>
    Int64,

    /// <summary>A bool varint, written as true or false.</summary>
    Bool,

    /// <summary>A metav1.Time message {seconds, nanos}, written as an RFC 3339 string in UTC to the second.</summary>
    Time,

    /// <summary>A metav1.FieldsV1 message whose Raw bytes are JSON, written as that JSON.</summary>
    FieldsV1,

    /// <summary>An embedded message, written as a JSON object.</summary>
    Message,

    /// <summary>A map&lt;string, string&gt;, written as a JSON object of strings.</summary>
    StringMap,

    /// <summary>A map&lt;string, bytes&gt;, written as a JSON object of base64 strings.</summary>
    BytesMap,
}
