using System.Collections.Frozen;

namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>The schema of one Kubernetes protobuf message: its fields by number.</summary>
internal sealed class ProtoMessage
{
    /// <summary>Creates a schema from its fields.</summary>
    /// <param name="name">The Go type's name, for error messages.</param>
    /// <param name="fields">The fields this decoder knows; any other number on the wire is skipped.</param>
    public ProtoMessage(string name, params ProtoField[] fields)
    {
        Name = name;
        Fields = fields.ToFrozenDictionary(f => f.Number);
    }

    /// <summary>The Go type's name, for error messages.</summary>
    public string Name { get; }

    /// <summary>The known fields by field number.</summary>
    public FrozenDictionary<int, ProtoField> Fields { get; }
}
