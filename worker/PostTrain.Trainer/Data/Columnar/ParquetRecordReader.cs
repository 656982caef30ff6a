using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace PostTrain.Trainer.Data.Columnar;

/// <summary>
/// Reads a parquet file's rows as JSON objects, one row group at a time: opening reads only the footer, and each step
/// reads one row group's column chunks (of the columns asked for), so a large file never sits whole in memory. Strings,
/// numbers, booleans, dates, lists (LIST groups and bare repeated fields) and structs are supported, nested to any depth;
/// maps and intervals are not. Every failure is a <see cref="DatasetFormatException"/> naming the file, and the row
/// group and column when there is one.
/// </summary>
public sealed class ParquetRecordReader : IAsyncDisposable
{
    private readonly ParquetReader _reader;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly IReadOnlyList<ParquetSchemaNode> _columns;
    private readonly Dictionary<string, DataField> _fields;

    private ParquetRecordReader(string file, ParquetReader reader, Stream stream, bool ownsStream, IReadOnlyList<ParquetSchemaNode> columns, Dictionary<string, DataField> fields)
    {
        File = file;
        _reader = reader;
        _stream = stream;
        _ownsStream = ownsStream;
        _columns = columns;
        _fields = fields;
    }

    /// <summary>The file name used in messages.</summary>
    public string File { get; }

    /// <summary>The names of the top-level columns, in schema order.</summary>
    public IReadOnlyList<string> Columns => [.. _columns.Select(c => c.Name)];

    /// <summary>How many row groups the file has.</summary>
    public int RowGroupCount => _reader.RowGroupCount;

    /// <summary>How many rows the file has.</summary>
    public long RowCount => _reader.Metadata?.NumRows ?? 0;

    /// <summary>Opens <paramref name="file"/> and reads its footer.</summary>
    public static async Task<ParquetRecordReader> OpenAsync(string file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!System.IO.File.Exists(file))
        {
            throw new FileNotFoundException($"dataset file {file} does not exist", file);
        }

        var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        try
        {
            return await OpenAsync(stream, file, ownsStream: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a parquet file held by a readable, seekable <paramref name="stream"/> (left open unless <paramref name="ownsStream"/>); <paramref name="name"/> names it in messages.</summary>
    public static async Task<ParquetRecordReader> OpenAsync(Stream stream, string name, bool ownsStream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new DatasetFormatException($"{name}: not a readable parquet file: {e.Message}", e);
        }

        try
        {
            var columns = ParquetSchemaNode.Build(reader.Metadata?.Schema ?? [], name);
            var fields = reader.Schema.GetDataFields().ToDictionary(f => string.Join(ParquetSchemaNode.KeySeparator, f.Path.ToList()), StringComparer.Ordinal);
            return new ParquetRecordReader(name, reader, stream, ownsStream, columns, fields);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw new DatasetFormatException($"{name}: the parquet schema cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads the row groups in order, each as the JSON rows of <paramref name="columns"/> (the top-level columns to read,
    /// all when null; names the file lacks are left out).
    /// </summary>
    public async IAsyncEnumerable<ParquetRowGroupRecords> ReadRowGroupsAsync(IReadOnlyCollection<string>? columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var selected = columns is null ? _columns : [.. _columns.Where(c => columns.Contains(c.Name))];
        foreach (var column in selected)
        {
            try
            {
                ParquetRowAssembler.CheckSupported(column);
            }
            catch (NotSupportedException e)
            {
                throw new DatasetFormatException($"{File}: {e.Message}", e);
            }
        }

        long firstRow = 0;
        for (var group = 0; group < _reader.RowGroupCount; group++)
        {
            var records = await ReadRowGroupAsync(group, firstRow, selected, cancellationToken).ConfigureAwait(false);
            firstRow += records.Rows.Count;
            yield return records;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync().ConfigureAwait(false);
        if (_ownsStream)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool IsReadFailure(Exception e) =>
        e is not (OperationCanceledException or OutOfMemoryException or DatasetFormatException or FileNotFoundException);

    private async Task<ParquetRowGroupRecords> ReadRowGroupAsync(int group, long firstRow, IReadOnlyList<ParquetSchemaNode> selected, CancellationToken cancellationToken)
    {
        var where = $"{File}: row group {group + 1} of {_reader.RowGroupCount}";
        var rowGroup = _reader.OpenRowGroupReader(group);
        var rowCount = checked((int)rowGroup.RowCount);
        var leaves = new ParquetLeafColumn?[selected.Count == 0 ? 0 : selected.Max(c => c.FirstLeaf + c.LeafCount)];
        foreach (var leaf in selected.SelectMany(c => c.Leaves()))
        {
            try
            {
                var field = _fields.GetValueOrDefault(leaf.PathKey)
                    ?? throw new NotSupportedException($"column '{leaf.Path}' is not laid out in a way the parquet library reads");
                if (field.MaxDefinitionLevel != leaf.DefinitionLevel || field.MaxRepetitionLevel != leaf.RepetitionLevel)
                {
                    throw new NotSupportedException(
                        $"column '{leaf.Path}': the parquet library reads it with levels ({field.MaxDefinitionLevel}, {field.MaxRepetitionLevel}) where the schema gives ({leaf.DefinitionLevel}, {leaf.RepetitionLevel})");
                }

                leaves[leaf.FirstLeaf] = await ParquetLeafColumn.ReadAsync(rowGroup, field, leaf, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsReadFailure(e))
            {
                throw new DatasetFormatException($"{where}: column '{leaf.Path}': {e.Message}", e);
            }
        }

        var assembler = new ParquetRowAssembler(selected, leaves);
        var buffer = new ArrayBufferWriter<byte>();
        var ends = new int[rowCount];
        using (var writer = new Utf8JsonWriter(buffer))
        {
            for (var row = 0; row < rowCount; row++)
            {
                try
                {
                    assembler.WriteRow(writer);
                }
                catch (Exception e) when (e is InvalidDataException or InvalidOperationException or ArgumentException)
                {
                    throw new DatasetFormatException($"{where}: row {firstRow + row + 1}: {e.Message}", e);
                }

                writer.Flush();
                writer.Reset();
                ends[row] = buffer.WrittenCount;
            }
        }

        try
        {
            assembler.CheckAllRead();
        }
        catch (InvalidDataException e)
        {
            throw new DatasetFormatException($"{where}: {e.Message}", e);
        }

        var written = buffer.WrittenMemory;
        var rows = new ReadOnlyMemory<byte>[rowCount];
        for (var row = 0; row < rowCount; row++)
        {
            var start = row == 0 ? 0 : ends[row - 1];
            rows[row] = written[start..ends[row]];
        }

        return new ParquetRowGroupRecords(group, firstRow, rows);
    }
}
