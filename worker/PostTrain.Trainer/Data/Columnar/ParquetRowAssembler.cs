using System.Text.Json;
using Parquet.Meta;

namespace PostTrain.Trainer.Data.Columnar;

/// <summary>
/// Rebuilds rows from the leaf columns of one row group (Dremel record assembly) and writes each as a JSON object:
/// structs become objects, LIST groups and repeated elements arrays, missing optional values null.
/// </summary>
internal sealed class ParquetRowAssembler
{
    private readonly IReadOnlyList<ParquetSchemaNode> _columns;
    private readonly ParquetLeafColumn?[] _leaves;

    /// <summary>Creates an assembler for <paramref name="columns"/>; <paramref name="leaves"/> is indexed by <see cref="ParquetSchemaNode.FirstLeaf"/>.</summary>
    public ParquetRowAssembler(IReadOnlyList<ParquetSchemaNode> columns, ParquetLeafColumn?[] leaves)
    {
        _columns = columns;
        _leaves = leaves;
    }

    /// <summary>Throws <see cref="NotSupportedException"/> naming the first element under <paramref name="column"/> that rows cannot be built from.</summary>
    public static void CheckSupported(ParquetSchemaNode column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column.IsMap)
        {
            throw new NotSupportedException($"column '{column.Path}' is a map, which datasets cannot use");
        }

        if (column.IsList && (column.Children.Count != 1 || column.Children[0].Repetition != FieldRepetitionType.REPEATED))
        {
            throw new NotSupportedException($"column '{column.Path}' is a LIST without one repeated child");
        }

        foreach (var child in column.Children)
        {
            CheckSupported(child);
        }
    }

    /// <summary>Writes the next row as a JSON object of the columns.</summary>
    public void WriteRow(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var column in _columns)
        {
            writer.WritePropertyName(column.Name);
            WriteField(writer, column);
        }

        writer.WriteEndObject();
    }

    /// <summary>Throws when a column has entries left after the last row (the columns disagree on the row count).</summary>
    public void CheckAllRead()
    {
        foreach (var leaf in _leaves)
        {
            if (leaf is not null && leaf.HasMore)
            {
                throw new InvalidDataException($"column '{leaf.Node.Path}' has {leaf.Count - leaf.Position} entries more than the row group's rows");
            }
        }
    }

    private ParquetLeafColumn FirstLeaf(ParquetSchemaNode node) =>
        _leaves[node.FirstLeaf] ?? throw new InvalidOperationException($"column '{node.Path}' was not read");

    /// <summary>Writes an element whose parent is present: handles its own optionality and repetition.</summary>
    private void WriteField(Utf8JsonWriter writer, ParquetSchemaNode node)
    {
        switch (node.Repetition)
        {
            case FieldRepetitionType.REPEATED:
                // A repeated element outside a LIST group is a list of required elements.
                WriteSequence(writer, node, () => WriteContent(writer, node));
                break;
            case FieldRepetitionType.OPTIONAL when FirstLeaf(node).Definition < node.DefinitionLevel:
                writer.WriteNullValue();
                Skip(node);
                break;
            default:
                WriteContent(writer, node);
                break;
        }
    }

    /// <summary>Writes an element that is present.</summary>
    private void WriteContent(Utf8JsonWriter writer, ParquetSchemaNode node)
    {
        if (node.IsLeaf)
        {
            FirstLeaf(node).WriteValue(writer);
            return;
        }

        if (node.IsList)
        {
            var repeated = node.Children[0];
            // The standard three levels (LIST > repeated group > element), unless the repeated group is itself the
            // element: a primitive, a group of several fields, or the legacy names "array" and "<name>_tuple".
            var threeLevel = !repeated.IsLeaf && repeated.Children.Count == 1 && repeated.Name != "array" && repeated.Name != node.Name + "_tuple";
            WriteSequence(writer, repeated, threeLevel ? () => WriteField(writer, repeated.Children[0]) : () => WriteContent(writer, repeated));
            return;
        }

        writer.WriteStartObject();
        foreach (var child in node.Children)
        {
            writer.WritePropertyName(child.Name);
            WriteField(writer, child);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the occurrences of a repeated element as an array (empty when its first entry is not defined that deep).</summary>
    private void WriteSequence(Utf8JsonWriter writer, ParquetSchemaNode repeated, Action writeElement)
    {
        writer.WriteStartArray();
        var first = FirstLeaf(repeated);
        if (first.Definition < repeated.DefinitionLevel)
        {
            Skip(repeated);
        }
        else
        {
            do
            {
                writeElement();
            }
            while (first.HasMore && first.Repetition == repeated.RepetitionLevel);
        }

        writer.WriteEndArray();
    }

    /// <summary>Moves every leaf under an absent element past its one entry.</summary>
    private void Skip(ParquetSchemaNode node)
    {
        for (var i = node.FirstLeaf; i < node.FirstLeaf + node.LeafCount; i++)
        {
            (_leaves[i] ?? throw new InvalidOperationException($"a column under '{node.Path}' was not read")).SkipEntry();
        }
    }
}
