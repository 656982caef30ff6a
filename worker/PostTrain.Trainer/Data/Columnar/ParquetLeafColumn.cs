using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Unicode;
using Parquet;
using Parquet.Schema;

namespace PostTrain.Trainer.Data.Columnar;

/// <summary>
/// One leaf column of one row group as Dremel stores it: the present values, and per entry a definition level and a
/// repetition level. A cursor walks the entries while rows are assembled.
/// </summary>
internal abstract class ParquetLeafColumn
{
    private readonly int[]? _definitions;
    private readonly int[]? _repetitions;

    protected ParquetLeafColumn(ParquetSchemaNode node, int count, int[]? definitions, int[]? repetitions)
    {
        Node = node;
        Count = count;
        _definitions = definitions;
        _repetitions = repetitions;
    }

    /// <summary>The schema element of this column.</summary>
    public ParquetSchemaNode Node { get; }

    /// <summary>How many entries (values, nulls, empty lists) the column chunk holds.</summary>
    public int Count { get; }

    /// <summary>The next entry to read.</summary>
    public int Position { get; private set; }

    /// <summary>The next present value to read.</summary>
    protected int ValuePosition { get; set; }

    /// <summary>True while entries are left.</summary>
    public bool HasMore => Position < Count;

    /// <summary>The definition level of the current entry.</summary>
    public int Definition => _definitions is null ? Node.DefinitionLevel : _definitions[CheckedPosition];

    /// <summary>The repetition level of the current entry (0 once the column is read to the end: a new row).</summary>
    public int Repetition => Position >= Count || _repetitions is null ? 0 : _repetitions[Position];

    private int CheckedPosition => Position < Count
        ? Position
        : throw new InvalidDataException($"column '{Node.Path}' has fewer entries ({Count}) than its rows need");

    /// <summary>Reads the column of one row group (values and levels) and wraps it for assembly.</summary>
    public static async Task<ParquetLeafColumn> ReadAsync(ParquetRowGroupReader rowGroup, DataField field, ParquetSchemaNode node, CancellationToken cancellationToken)
    {
        var chunk = rowGroup.GetMetadata(field)?.MetaData ?? throw new InvalidDataException($"column '{node.Path}' has no data in this row group");
        var count = checked((int)chunk.NumValues);
        var definitions = field.MaxDefinitionLevel > 0 ? new int[count] : null;
        var repetitions = field.MaxRepetitionLevel > 0 ? new int[count] : null;
        var type = field.ClrType;
        return type switch
        {
            _ when type == typeof(string) || type == typeof(ReadOnlyMemory<char>) => await Read<ReadOnlyMemory<char>>((w, v) => w.WriteStringValue(v.Span)).ConfigureAwait(false),
            _ when type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) => await Read<ReadOnlyMemory<byte>>(WriteBinary).ConfigureAwait(false),
            _ when type == typeof(bool) => await Read<bool>((w, v) => w.WriteBooleanValue(v)).ConfigureAwait(false),
            _ when type == typeof(sbyte) => await Read<sbyte>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(byte) => await Read<byte>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(short) => await Read<short>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(ushort) => await Read<ushort>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(int) => await Read<int>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(uint) => await Read<uint>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(long) => await Read<long>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(ulong) => await Read<ulong>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(float) => await Read<float>((w, v) => WriteDouble(w, v)).ConfigureAwait(false),
            _ when type == typeof(double) => await Read<double>(WriteDouble).ConfigureAwait(false),
            _ when type == typeof(Half) => await Read<Half>((w, v) => WriteDouble(w, (double)v)).ConfigureAwait(false),
            _ when type == typeof(decimal) => await Read<decimal>((w, v) => w.WriteNumberValue(v)).ConfigureAwait(false),
            _ when type == typeof(BigInteger) => await Read<BigInteger>((w, v) => w.WriteRawValue(v.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false),
            _ when type == typeof(DateTime) => await Read<DateTime>((w, v) => w.WriteStringValue(v)).ConfigureAwait(false),
            _ when type == typeof(DateOnly) => await Read<DateOnly>((w, v) => w.WriteStringValue(v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))).ConfigureAwait(false),
            _ when type == typeof(TimeOnly) => await Read<TimeOnly>((w, v) => w.WriteStringValue(v.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture))).ConfigureAwait(false),
            _ when type == typeof(TimeSpan) => await Read<TimeSpan>((w, v) => w.WriteStringValue(v.ToString("c", CultureInfo.InvariantCulture))).ConfigureAwait(false),
            _ when type == typeof(Guid) => await Read<Guid>((w, v) => w.WriteStringValue(v)).ConfigureAwait(false),
            _ => throw new NotSupportedException($"column '{node.Path}' holds {type.Name} values, which datasets cannot use"),
        };

        async Task<ParquetLeafColumn> Read<T>(Action<Utf8JsonWriter, T> write)
            where T : struct
        {
            var values = new T[count];
            // A missing array must stay a null Memory?: null converts to an empty Memory<int> through int[].
            var definitionBuffer = definitions is null ? default(Memory<int>?) : definitions.AsMemory();
            var repetitionBuffer = repetitions is null ? default(Memory<int>?) : repetitions.AsMemory();
            await rowGroup.ReadRawAsync(field, values.AsMemory(), definitionBuffer, repetitionBuffer, cancellationToken).ConfigureAwait(false);
            return new ParquetLeafColumn<T>(node, count, definitions, repetitions, values, write);
        }
    }

    /// <summary>Writes the current entry's value (the caller knows it is present) and moves to the next entry.</summary>
    public void WriteValue(Utf8JsonWriter writer)
    {
        if (Definition != Node.DefinitionLevel)
        {
            throw new InvalidDataException($"column '{Node.Path}': entry {Position} has definition level {Definition}, expected a value (level {Node.DefinitionLevel})");
        }

        WriteCurrent(writer);
        ValuePosition++;
        Position++;
    }

    /// <summary>Moves past an entry that holds no value (a null or an empty list above this column).</summary>
    public void SkipEntry()
    {
        if (Definition >= Node.DefinitionLevel)
        {
            throw new InvalidDataException($"column '{Node.Path}': entry {Position} holds a value where the row has none");
        }

        Position++;
    }

    /// <summary>Writes the value at <see cref="ValuePosition"/>.</summary>
    protected abstract void WriteCurrent(Utf8JsonWriter writer);

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void WriteBinary(Utf8JsonWriter writer, ReadOnlyMemory<byte> value)
    {
        // Binary columns without the STRING annotation often hold text; anything else (images, audio) is no prompt.
        if (!Utf8.IsValid(value.Span))
        {
            throw new InvalidDataException("a binary value is not UTF-8 text");
        }

        writer.WriteStringValue(value.Span);
    }
}
