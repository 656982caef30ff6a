using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Data.Columnar;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Data;

/// <summary>
/// Reads JSON lines (<c>.jsonl</c>, <c>.ndjson</c>), JSON array (<c>.json</c>) and Apache Parquet (<c>.parquet</c>, one row
/// group at a time) files into <see cref="Example"/>s. A folder is read as the files of one config and split
/// (<see cref="DatasetFileSelector"/>). A bad record fails the load with its file and line (or parquet row and row group),
/// or with <see cref="DatasetLoadOptions.SkipInvalid"/> is skipped and counted.
/// </summary>
public static class DatasetLoader
{
    /// <summary>Hub metadata files that match <c>*.json</c> but hold no records; a folder load skips them.</summary>
    public static IReadOnlySet<string> MetadataFileNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "dataset_infos.json", "dataset_info.json", "dataset_dict.json", "state.json", "config.json", "tokenizer.json",
        "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
    };

    /// <summary>
    /// Loads one file, or the data files of a folder (<see cref="IsDataFile"/>, searched recursively) that belong to the
    /// options' config and split, in ordinal path order.
    /// </summary>
    public static async Task<DatasetLoadResult> LoadAsync(string path, DatasetLoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(path))
        {
            return await LoadFilesAsync([path], options, cancellationToken).ConfigureAwait(false);
        }

        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(path, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => IsDataFile(f, options))
            .ToList();
        if (files.Count == 0)
        {
            throw new DatasetFormatException($"{path}: no data file matches [{string.Join(", ", Patterns(options))}]");
        }

        var selected = DatasetFileSelector.Select(files, options.Split, options.Config, path);
        CheckOneKind(selected, path);
        return await LoadFilesAsync([.. selected.Select(f => Path.Combine(path, f.Replace('/', Path.DirectorySeparatorChar)))], options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a file of a folder or repository (a relative path with <c>/</c>) holds records: it matches the options'
    /// <see cref="DatasetLoadOptions.FilePatterns"/> (and the extensions of <see cref="DatasetLoadOptions.FileType"/>), and
    /// is neither a hub metadata file nor a partial download.
    /// </summary>
    public static bool IsDataFile(string relativePath, DatasetLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        ArgumentNullException.ThrowIfNull(options);
        return !relativePath.EndsWith(".partial", StringComparison.Ordinal)
            && !MetadataFileNames.Contains(Path.GetFileName(relativePath))
            && FilePattern.IsMatchAny(relativePath, Patterns(options));
    }

    /// <summary>
    /// Throws when the files chosen from a folder or repository mix parquet with JSON: they are most likely two copies
    /// of one dataset (a conversion beside its source), and reading both would train on every record twice.
    /// </summary>
    internal static void CheckOneKind(IReadOnlyCollection<string> files, string where)
    {
        var parquet = files.Where(f => f.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)).ToList();
        if (parquet.Count > 0 && parquet.Count < files.Count)
        {
            var json = files.Except(parquet).ToList();
            throw new DatasetFormatException(
                $"{where}: the files chosen mix {parquet.Count} parquet file(s) ({parquet[0]}{(parquet.Count > 1 ? ", ..." : string.Empty)}) with {json.Count} JSON file(s) ({json[0]}{(json.Count > 1 ? ", ..." : string.Empty)}): " +
                "set the format to parquet to read only the parquet files, or point the source at one kind");
        }
    }

    /// <summary>Loads the files in the order given, as one dataset (one sample across all of them).</summary>
    public static async Task<DatasetLoadResult> LoadFilesAsync(IReadOnlyList<string> files, DatasetLoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        var collector = new ExampleCollector(options);
        foreach (var file in files)
        {
            await ReadFileAsync(file, options, collector, cancellationToken).ConfigureAwait(false);
        }

        return collector.ToResult();
    }

    /// <summary>Loads one file; its extension (or <see cref="DatasetLoadOptions.FileType"/>) decides how it is read.</summary>
    public static Task<DatasetLoadResult> LoadFileAsync(string file, DatasetLoadOptions options, CancellationToken cancellationToken) =>
        LoadFilesAsync([file], options, cancellationToken);

    private static IReadOnlyList<string> Patterns(DatasetLoadOptions options) => options.FileType switch
    {
        DatasetFileType.JsonLines => [.. options.FilePatterns.Where(p => p.EndsWith(".jsonl", StringComparison.Ordinal) || p.EndsWith(".ndjson", StringComparison.Ordinal))],
        DatasetFileType.JsonArray => [.. options.FilePatterns.Where(p => p.EndsWith(".json", StringComparison.Ordinal))],
        DatasetFileType.Parquet => [.. options.FilePatterns.Where(p => p.EndsWith(".parquet", StringComparison.Ordinal)).DefaultIfEmpty("*.parquet")],
        _ => options.FilePatterns,
    };

    private static async Task ReadFileAsync(string file, DatasetLoadOptions options, ExampleCollector collector, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"dataset file {file} does not exist", file);
        }

        var extension = Path.GetExtension(file).ToLowerInvariant();
        var type = options.FileType != DatasetFileType.Auto ? options.FileType : extension switch
        {
            ".jsonl" or ".ndjson" => DatasetFileType.JsonLines,
            ".json" => DatasetFileType.JsonArray,
            ".parquet" => DatasetFileType.Parquet,
            _ => throw new DatasetFormatException($"{file}: unknown dataset file type '{extension}'; expected .jsonl, .ndjson, .json or .parquet"),
        };
        switch (type)
        {
            case DatasetFileType.JsonLines:
                await ReadJsonLinesAsync(file, options, collector, cancellationToken).ConfigureAwait(false);
                break;
            case DatasetFileType.JsonArray:
                var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
                ReadJsonArray(file, bytes, options, collector);
                break;
            default:
                await ReadParquetAsync(file, options, collector, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static async Task ReadParquetAsync(string file, DatasetLoadOptions options, ExampleCollector collector, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetRecordReader.OpenAsync(file, cancellationToken).ConfigureAwait(false);
        // Only the columns a record of the format can use are read: a dataset's image or metadata columns cost nothing.
        var wanted = ExampleParser.FieldsRead(options.Format, options.Fields);
        var columns = wanted.Where(reader.Columns.Contains).ToList();
        if (columns.Count == 0 && reader.RowCount > 0)
        {
            throw new DatasetFormatException(
                $"{file}: none of the columns the {options.Format} format reads ({string.Join(", ", wanted)}) is in the file; it has [{string.Join(", ", reader.Columns)}]: set the format or the field names");
        }

        await foreach (var group in reader.ReadRowGroupsAsync(columns, cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < group.Rows.Count; i++)
            {
                var row = checked((int)(group.FirstRow + i + 1));
                ParseRecord(group.Rows[i], file, row, $"row {row} (row group {group.RowGroup + 1} of {reader.RowGroupCount})", options, collector);
            }
        }
    }

    private static void ParseRecord(ReadOnlyMemory<byte> record, string file, int row, string location, DatasetLoadOptions options, ExampleCollector collector)
    {
        try
        {
            using var document = JsonDocument.Parse(record);
            try
            {
                collector.Add(ExampleParser.Parse(document.RootElement, options.Format, options.Fields, file, row));
            }
            catch (DatasetFormatException e)
            {
                throw new DatasetFormatException(file, row, location, e.Problem ?? e.Message);
            }
        }
        catch (DatasetFormatException e) when (options.SkipInvalid)
        {
            collector.Skip(e.Message);
        }
    }

    /// <summary>Parses JSON lines text held in memory (for tests and small inline data); <paramref name="source"/> names it in errors.</summary>
    public static DatasetLoadResult ParseJsonLines(string text, string source, DatasetLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        var collector = new ExampleCollector(options);
        using var reader = new StringReader(text);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            ParseLine(line, source, lineNumber, options, collector);
        }

        return collector.ToResult();
    }

    private static async Task ReadJsonLinesAsync(string file, DatasetLoadOptions options, ExampleCollector collector, CancellationToken cancellationToken)
    {
        // Lines are parsed from UTF-8 bytes in place: no UTF-16 string per line, no transcoding back for the JSON parser.
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
        var buffer = new byte[1 << 20];
        var filled = 0;
        var lineNumber = 0;
        var first = true;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            filled += read;
            var start = 0;
            if (first && filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF)
            {
                start = 3;
            }

            first = false;
            while (true)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start);
                if (newline < 0)
                {
                    break;
                }

                lineNumber++;
                ParseLine(buffer.AsMemory(start, newline - start), file, lineNumber, options, collector);
                start = newline + 1;
            }

            if (read == 0)
            {
                if (start < filled)
                {
                    lineNumber++;
                    ParseLine(buffer.AsMemory(start, filled - start), file, lineNumber, options, collector);
                }

                return;
            }

            // Keep the incomplete last line; grow the buffer when one line fills it.
            var rest = filled - start;
            if (start == 0 && rest == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            else
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, rest);
            }

            filled = rest;
        }
    }

    private static void ParseLine(ReadOnlyMemory<byte> line, string source, int lineNumber, DatasetLoadOptions options, ExampleCollector collector)
    {
        var span = line.Span;
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            line = line[..^1];
            span = line.Span;
        }

        if (span.Trim(" \t"u8).IsEmpty)
        {
            return;
        }

        try
        {
            // The JSON parser checks UTF-8 only where a string is read, and then fails without a file or line.
            if (InvalidUtf8At(span) is { } offset)
            {
                throw new DatasetFormatException(source, lineNumber, $"invalid UTF-8 at byte {offset + 1} of the line");
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new DatasetFormatException(source, lineNumber, $"invalid JSON: {e.Message}");
            }

            using (document)
            {
                collector.Add(ExampleParser.Parse(document.RootElement, options.Format, options.Fields, source, lineNumber));
            }
        }
        catch (DatasetFormatException e) when (options.SkipInvalid)
        {
            collector.Skip(e.Message);
        }
    }

    /// <summary>The offset of the first byte that is not valid UTF-8, or null when the line is valid.</summary>
    private static int? InvalidUtf8At(ReadOnlySpan<byte> line)
    {
        if (System.Text.Unicode.Utf8.IsValid(line))
        {
            return null;
        }

        Span<char> sink = stackalloc char[256];
        var consumed = 0;
        while (consumed < line.Length)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(line[consumed..], sink, out var read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                return consumed + read;
            }

            consumed += read;
            if (status == System.Buffers.OperationStatus.Done)
            {
                break;
            }
        }

        return consumed;
    }

    // Lines read as text (a TextReader) take the byte path too, so both forms parse, check and skip alike.
    private static void ParseLine(string line, string source, int lineNumber, DatasetLoadOptions options, ExampleCollector collector) =>
        ParseLine(System.Text.Encoding.UTF8.GetBytes(line), source, lineNumber, options, collector);

    private static void ReadJsonArray(string file, byte[] bytes, DatasetLoadOptions options, ExampleCollector collector)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var lineNumber = 1;
        var counted = 0;
        int LineAt(long index)
        {
            for (var i = counted; i < index; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    lineNumber++;
                }
            }

            counted = (int)index;
            return lineNumber;
        }

        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new DatasetFormatException(file, LineAt(reader.TokenStartIndex), "a .json dataset must be an array of records (use .jsonl for one record per line)");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var line = LineAt(reader.TokenStartIndex);
                using var element = JsonDocument.ParseValue(ref reader);
                try
                {
                    collector.Add(ExampleParser.Parse(element.RootElement, options.Format, options.Fields, file, line));
                }
                catch (DatasetFormatException e) when (options.SkipInvalid)
                {
                    collector.Skip(e.Message);
                }
            }
        }
        catch (JsonException e)
        {
            // The whole array is one document: a syntax error cannot be skipped past.
            throw new DatasetFormatException(file, (int)(e.LineNumber ?? 0) + 1, $"invalid JSON: {e.Message}");
        }
    }
}
