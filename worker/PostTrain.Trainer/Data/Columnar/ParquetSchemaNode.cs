using Parquet.Meta;

namespace PostTrain.Trainer.Data.Columnar;

/// <summary>
/// One element of a parquet file's physical schema (a group or a leaf column), with the definition and repetition levels
/// Dremel assigns it: the definition level counts the optional and repeated elements from the root down to this one
/// (itself included), the repetition level the repeated ones.
/// </summary>
internal sealed class ParquetSchemaNode
{
    /// <summary>The separator of the names in <see cref="PathKey"/>.</summary>
    public const char KeySeparator = '\u001f';

    private ParquetSchemaNode(string name, FieldRepetitionType repetition, string path, string pathKey, int definitionLevel, int repetitionLevel, bool isList, bool isMap)
    {
        Name = name;
        Repetition = repetition;
        Path = path;
        PathKey = pathKey;
        DefinitionLevel = definitionLevel;
        RepetitionLevel = repetitionLevel;
        IsList = isList;
        IsMap = isMap;
    }

    /// <summary>The element's own name.</summary>
    public string Name { get; }

    /// <summary>Required, optional or repeated.</summary>
    public FieldRepetitionType Repetition { get; }

    /// <summary>The dotted physical path from the top-level column down (<c>messages.list.element.role</c>).</summary>
    public string Path { get; }

    /// <summary>The physical path with its names joined by U+001F, unambiguous even for names holding dots.</summary>
    public string PathKey { get; }

    /// <summary>The definition level at which this element is present.</summary>
    public int DefinitionLevel { get; }

    /// <summary>The repetition level of this element.</summary>
    public int RepetitionLevel { get; }

    /// <summary>A group annotated LIST: its one repeated child holds the elements.</summary>
    public bool IsList { get; }

    /// <summary>A group annotated MAP or MAP_KEY_VALUE.</summary>
    public bool IsMap { get; }

    /// <summary>The children of a group; empty for a leaf column.</summary>
    public List<ParquetSchemaNode> Children { get; } = [];

    /// <summary>True for a leaf column (a primitive value).</summary>
    public bool IsLeaf => Children.Count == 0;

    /// <summary>The index of this element's first leaf column in schema order (its own for a leaf).</summary>
    public int FirstLeaf { get; private set; }

    /// <summary>How many leaf columns this element holds (1 for a leaf).</summary>
    public int LeafCount { get; private set; }

    /// <summary>
    /// The top-level columns of a file's flattened schema (element 0 is the root), with levels and leaf indices; the leaves
    /// come out in schema order, which is the order of the file's column chunks.
    /// </summary>
    public static IReadOnlyList<ParquetSchemaNode> Build(IReadOnlyList<SchemaElement> schema, string file)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema.Count == 0)
        {
            throw new DatasetFormatException($"{file}: the parquet schema is empty");
        }

        var index = 1;
        var leaves = 0;
        var top = new List<ParquetSchemaNode>();
        for (var i = 0; i < (schema[0].NumChildren ?? 0); i++)
        {
            top.Add(Read(schema, ref index, parent: null, 0, 0, ref leaves, file));
        }

        return top;
    }

    private static ParquetSchemaNode Read(IReadOnlyList<SchemaElement> schema, ref int index, ParquetSchemaNode? parent, int parentDefinition, int parentRepetition, ref int leaves, string file)
    {
        if (index >= schema.Count)
        {
            throw new DatasetFormatException($"{file}: the parquet schema ends inside the group '{parent?.Path}'");
        }

        var element = schema[index++];
        var repetition = element.RepetitionType ?? FieldRepetitionType.REQUIRED;
        var definition = parentDefinition + (repetition == FieldRepetitionType.REQUIRED ? 0 : 1);
        var repetitionLevel = parentRepetition + (repetition == FieldRepetitionType.REPEATED ? 1 : 0);
        var isList = element.ConvertedType == ConvertedType.LIST || element.LogicalType?.LIST is not null;
        var isMap = element.ConvertedType is ConvertedType.MAP or ConvertedType.MAP_KEY_VALUE || element.LogicalType?.MAP is not null;
        var path = parent is null ? element.Name : parent.Path + "." + element.Name;
        var pathKey = parent is null ? element.Name : parent.PathKey + KeySeparator + element.Name;
        var node = new ParquetSchemaNode(element.Name, repetition, path, pathKey, definition, repetitionLevel, isList, isMap) { FirstLeaf = leaves };
        var children = element.NumChildren ?? 0;
        if (children == 0)
        {
            leaves++;
        }

        for (var i = 0; i < children; i++)
        {
            node.Children.Add(Read(schema, ref index, node, definition, repetitionLevel, ref leaves, file));
        }

        node.LeafCount = leaves - node.FirstLeaf;
        return node;
    }

    /// <summary>The leaf columns under this element, in schema order.</summary>
    public IEnumerable<ParquetSchemaNode> Leaves()
    {
        if (IsLeaf)
        {
            yield return this;
            yield break;
        }

        foreach (var leaf in Children.SelectMany(c => c.Leaves()))
        {
            yield return leaf;
        }
    }
}
