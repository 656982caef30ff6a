using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Data;

/// <summary>
/// Reads JSON lines (<c>.jsonl</c>, <c>.ndjson</c>) and JSON array (<c>.json</c>) files into <see cref="Example"/>s.
/// Parquet is not read: convert it to JSON lines first. A bad record fails the load with its file and line, or with
/// <see cref="DatasetLoadOptions.SkipInvalid"/> is skipped and counted.
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
    /// Loads one file, or every file of a folder matching <see cref="DatasetLoadOptions.FilePatterns"/> (in ordinal path
    /// order, skipping <see cref="MetadataFileNames"/>).
    /// </summary>
    public static async Task<DatasetLoadResult> LoadAsync(string path, DatasetLoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Select(f => (Full: f, Relative: Path.GetRelativePath(path, f).Replace(Path.DirectorySeparatorChar, '/')))
                .Where(f => !f.Relative.EndsWith(".partial", StringComparison.Ordinal)
                    && !MetadataFileNames.Contains(Path.GetFileName(f.Full))
                    && FilePattern.IsMatchAny(f.Relative, options.FilePatterns))
                .OrderBy(f => f.Relative, StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0)
            {
                var parquet = Directory.EnumerateFiles(path, "*.parquet", SearchOption.AllDirectories).Any();
                throw new DatasetFormatException(
                    $"{path}: no file matches [{string.Join(", ", options.FilePatterns)}]" +
                    (parquet ? "; the folder holds .parquet files, which are not supported: convert them to JSON lines" : string.Empty));
            }

            var examples = new List<Example>();
            var warnings = new List<string>();
            var skipped = 0;
            foreach (var (full, _) in files)
            {
                var one = await LoadFileAsync(full, options, cancellationToken).ConfigureAwait(false);
                examples.AddRange(one.Examples);
                skipped += one.SkippedCount;
                warnings.AddRange(one.Warnings.Take(Math.Max(0, options.MaxWarnings - warnings.Count)));
            }

            return new DatasetLoadResult(examples, skipped, warnings);
        }

        return await LoadFileAsync(path, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads one file; its extension decides JSON lines or a JSON array.</summary>
    public static async Task<DatasetLoadResult> LoadFileAsync(string file, DatasetLoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"dataset file {file} does not exist", file);
        }

        var extension = Path.GetExtension(file).ToLowerInvariant();
        var collector = new Collector(options);
        switch (extension)
        {
            case ".jsonl" or ".ndjson":
                await ReadJsonLinesAsync(file, options, collector, cancellationToken).ConfigureAwait(false);
                break;
            case ".json":
                var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
                ReadJsonArray(file, bytes, options, collector);
                break;
            case ".parquet":
                throw new DatasetFormatException($"{file}: parquet is not supported; convert it to JSON lines (e.g. pandas.read_parquet(f).to_json(out, orient='records', lines=True))");
            default:
                throw new DatasetFormatException($"{file}: unknown dataset file type '{extension}'; expected .jsonl, .ndjson or .json");
        }

        return collector.ToResult();
    }

    /// <summary>Parses JSON lines text held in memory (for tests and small inline data); <paramref name="source"/> names it in errors.</summary>
    public static DatasetLoadResult ParseJsonLines(string text, string source, DatasetLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        var collector = new Collector(options);
        using var reader = new StringReader(text);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            ParseLine(line, source, lineNumber, options, collector);
        }

        return collector.ToResult();
    }

    private static async Task ReadJsonLinesAsync(string file, DatasetLoadOptions options, Collector collector, CancellationToken cancellationToken)
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

    private static void ParseLine(ReadOnlyMemory<byte> line, string source, int lineNumber, DatasetLoadOptions options, Collector collector)
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

    private static void ParseLine(string line, string source, int lineNumber, DatasetLoadOptions options, Collector collector)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        try
        {
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

    private static void ReadJsonArray(string file, byte[] bytes, DatasetLoadOptions options, Collector collector)
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

    private sealed class Collector(DatasetLoadOptions options)
    {
        private readonly List<Example> _examples = [];
        private readonly List<string> _warnings = [];
        private int _skipped;

        public void Add(Example example) => _examples.Add(example);

        public void Skip(string warning)
        {
            _skipped++;
            if (_warnings.Count < options.MaxWarnings)
            {
                _warnings.Add("skipped invalid record: " + warning);
            }
        }

        public DatasetLoadResult ToResult() => new(_examples, _skipped, _warnings);
    }
}
