using System.Text.Json;

namespace PostTrain.Trainer.Data.Columnar;

/// <summary>A leaf column whose values are <typeparamref name="T"/>.</summary>
internal sealed class ParquetLeafColumn<T>(ParquetSchemaNode node, int count, int[]? definitions, int[]? repetitions, T[] values, Action<Utf8JsonWriter, T> write)
    : ParquetLeafColumn(node, count, definitions, repetitions)
    where T : struct
{
    protected override void WriteCurrent(Utf8JsonWriter writer) => write(writer, values[ValuePosition]);
}
