using System.Text.Json.Nodes;
using Parquet;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Data.Columnar;
using static PostTrain.Trainer.Tests.Data.ParquetTestFiles;

namespace PostTrain.Trainer.Tests.Data;

public sealed class ParquetRecordReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-parquet-");

    public static string Shards => Path.Combine(TestPaths.SharedTestData, "datasets", "gsm8k-shaped", "main");

    public void Dispose() => _dir.Dispose();

    private static async Task<List<ParquetRowGroupRecords>> ReadAllAsync(string file, IReadOnlyCollection<string>? columns = null)
    {
        await using var reader = await ParquetRecordReader.OpenAsync(file, CancellationToken.None);
        var groups = new List<ParquetRowGroupRecords>();
        await foreach (var group in reader.ReadRowGroupsAsync(columns, CancellationToken.None))
        {
            groups.Add(group);
        }

        return groups;
    }

    private static bool Overlaps((long Start, long End) read, (long Start, long End) range) => read.Start < range.End && range.Start < read.End;

    private static List<JsonNode> Rows(IEnumerable<ParquetRowGroupRecords> groups) =>
        [.. groups.SelectMany(g => g.Rows).Select(r => JsonNode.Parse(r.Span)!)];

    [Theory]
    [InlineData("train-00000-of-00002", "SNAPPY", new[] { 128, 128, 44 })]
    [InlineData("train-00001-of-00002", "ZSTD", new[] { 64, 64, 64, 8 })]
    [InlineData("test-00000-of-00001", "UNCOMPRESSED", new[] { 100 })]
    public async Task Each_arrow_rs_shard_reads_as_exactly_the_records_of_its_jsonl_twin(string name, string codec, int[] rowGroups)
    {
        var parquet = Path.Combine(Shards, name + ".parquet");
        var twinPath = Path.Combine(Shards, name + ".jsonl");
        var twin = (await File.ReadAllLinesAsync(twinPath)).Select(l => JsonNode.Parse(l)!).ToList();
        await using (var raw = await ParquetReader.CreateAsync(parquet))
        {
            raw.Metadata!.RowGroups.SelectMany(g => g.Columns).Select(c => c.MetaData!.Codec.ToString()).Distinct().ShouldBe([codec]);
        }

        var groups = await ReadAllAsync(parquet);

        groups.Select(g => g.Rows.Count).ShouldBe(rowGroups);
        groups.Select(g => g.FirstRow).ShouldBe(rowGroups.Select((_, i) => (long)rowGroups.Take(i).Sum()));
        var rows = Rows(groups);
        rows.Count.ShouldBe(twin.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            JsonNode.DeepEquals(rows[i], twin[i]).ShouldBeTrue($"row {i + 1}: {rows[i].ToJsonString()} differs from {twin[i].ToJsonString()}");
        }

        var fromParquet = await DatasetLoader.LoadFileAsync(parquet, new DatasetLoadOptions(), CancellationToken.None);
        var fromTwin = await DatasetLoader.LoadFileAsync(twinPath, new DatasetLoadOptions(), CancellationToken.None);
        fromParquet.Examples.Select(e => (e.Prompt, e.Completion, e.ReferenceAnswer, e.SourceLine, e.Format))
            .ShouldBe(fromTwin.Examples.Select(e => (e.Prompt, e.Completion, e.ReferenceAnswer, e.SourceLine, e.Format)));
        fromParquet.Examples.ShouldAllBe(e => e.Format == DatasetFormat.Gsm8k);
        fromParquet.Examples[0].Id.ShouldBe($"{name}.parquet:1");
    }

    [Fact]
    public async Task Rows_arrive_one_row_group_at_a_time_and_no_later_group_is_read_before_its_turn()
    {
        var file = Path.Combine(Shards, "train-00001-of-00002.parquet");
        List<(long Start, long End)> groupBytes;
        await using (var raw = await ParquetReader.CreateAsync(file))
        {
            groupBytes = [.. raw.Metadata!.RowGroups.Select(g => (
                g.Columns.Min(c => Math.Min(c.MetaData!.DictionaryPageOffset ?? long.MaxValue, c.MetaData!.DataPageOffset)),
                g.Columns.Max(c => Math.Min(c.MetaData!.DictionaryPageOffset ?? long.MaxValue, c.MetaData!.DataPageOffset) + c.MetaData!.TotalCompressedSize)))];
        }

        groupBytes.Count.ShouldBe(4);
        await using var stream = new ReadRecordingStream(File.OpenRead(file));
        await using var reader = await ParquetRecordReader.OpenAsync(stream, file, ownsStream: false, CancellationToken.None);
        stream.Reads.ShouldNotContain(r => groupBytes.Any(g => Overlaps(r, g)), "opening reads the footer only");

        var seen = 0;
        await foreach (var group in reader.ReadRowGroupsAsync(null, CancellationToken.None))
        {
            group.RowGroup.ShouldBe(seen);
            group.Rows.Count.ShouldBe(seen < 3 ? 64 : 8);
            var reads = stream.Reads;
            reads.ShouldContain(r => Overlaps(r, groupBytes[seen]));
            for (var later = seen + 1; later < groupBytes.Count; later++)
            {
                reads.ShouldNotContain(r => Overlaps(r, groupBytes[later]), $"row group {later} was read while row group {seen} was handed out");
            }

            seen++;
        }

        seen.ShouldBe(4);
    }

    [Fact]
    public async Task Lists_of_structs_nested_lists_structs_nulls_and_empty_lists_come_back_as_written()
    {
        var file = await WriteAsync(Path.Combine(_dir.Path, "chat.parquet"), new ChatRow[]
        {
            new()
            {
                Messages = [new() { Role = "user", Content = "hi" }, new() { Role = "assistant", Content = "hello" }],
                Answer = "4",
                Scores = [[1, 2], [3]],
                Meta = new() { Source = "a", Tags = ["x", "y"] },
                Weight = 0.5,
            },
            new() { Messages = [], Answer = null, Scores = [], Meta = null, Weight = null },
            new() { Messages = null, Answer = "", Scores = [[], [5]], Meta = new() { Source = null, Tags = [] } },
            new() { Messages = [new() { Role = "user", Content = null }], Scores = null, Meta = new() { Tags = null }, Weight = -2 },
        }, rowGroupSize: 3);

        var groups = await ReadAllAsync(file);

        groups.Select(g => g.Rows.Count).ShouldBe([3, 1]);
        var expected = new[]
        {
            """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}],"answer":"4","scores":[[1,2],[3]],"meta":{"source":"a","tags":["x","y"]},"weight":0.5}""",
            """{"messages":[],"answer":null,"scores":[],"meta":null,"weight":null}""",
            """{"messages":null,"answer":"","scores":[[],[5]],"meta":{"source":null,"tags":[]},"weight":null}""",
            """{"messages":[{"role":"user","content":null}],"answer":null,"scores":null,"meta":{"source":null,"tags":null},"weight":-2}""",
        };
        var rows = Rows(groups);
        for (var i = 0; i < expected.Length; i++)
        {
            JsonNode.DeepEquals(rows[i], JsonNode.Parse(expected[i])).ShouldBeTrue($"row {i + 1}: {rows[i].ToJsonString()}");
        }

        var only = Rows(await ReadAllAsync(file, ["answer", "weight", "no-such-column"]));
        only[0].ToJsonString().ShouldBe("""{"answer":"4","weight":0.5}""");
    }

    [Fact]
    public async Task Mbpp_rows_with_int_ids_and_lists_of_tests_and_chat_rows_become_examples()
    {
        var mbpp = await WriteAsync(Path.Combine(_dir.Path, "mbpp.parquet"), new CodeRow[]
        {
            new() { TaskId = 11, Text = "Write add(a, b).", Code = "def add(a, b):\n    return a + b", TestList = ["assert add(1, 2) == 3", "assert add(0, 0) == 0"], TestSetupCode = "" },
            new() { TaskId = 12, Text = "Write neg(a).", Code = "def neg(a):\n    return -a", TestList = ["assert neg(1) == -1"], TestSetupCode = "import math" },
        }, rowGroupSize: 1);
        var chat = await WriteAsync(Path.Combine(_dir.Path, "chat.parquet"), new ChatRow[]
        {
            new() { Messages = [new() { Role = "user", Content = "2+2?" }, new() { Role = "assistant", Content = "4" }], Answer = "4" },
        }, rowGroupSize: 10);

        var tasks = (await DatasetLoader.LoadFileAsync(mbpp, new DatasetLoadOptions { Format = DatasetFormat.Mbpp }, CancellationToken.None)).Examples;
        var turns = (await DatasetLoader.LoadFileAsync(chat, new DatasetLoadOptions(), CancellationToken.None)).Examples.Single();

        tasks.Select(t => t.Id).ShouldBe(["11", "12"]);
        tasks[0].Tests.ShouldBe(["assert add(1, 2) == 3", "assert add(0, 0) == 0"]);
        (tasks[0].TestSetupCode, tasks[1].TestSetupCode, tasks[1].Completion, tasks[1].SourceLine).ShouldBe((null, "import math", "def neg(a):\n    return -a", 2));
        turns.Messages!.Select(m => (m.Role, m.Content)).ShouldBe([("user", "2+2?"), ("assistant", "4")]);
        (turns.ReferenceAnswer, turns.Format).ShouldBe(("4", DatasetFormat.Messages));
    }

    [Fact]
    public async Task A_bad_row_names_the_file_the_row_its_row_group_and_the_field_and_skip_invalid_skips_it()
    {
        var rows = Enumerable.Range(1, 150).Select(i => new MathRow { Question = $"q{i}", Answer = i == 70 ? "no final answer" : $"{i} + 0 = {i}\n#### {i}" }).ToList();
        var file = await WriteAsync(Path.Combine(_dir.Path, "math.parquet"), rows, rowGroupSize: 64);

        var error = await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadFileAsync(file, new DatasetLoadOptions { Format = DatasetFormat.Gsm8k }, CancellationToken.None));

        error.Message.ShouldBe($"{file}: row 70 (row group 2 of 3): field 'answer' has no final answer after '####' (GSM8K answers end in '#### <number>')");
        (error.File, error.Line).ShouldBe((file, 70));
        var skipped = await DatasetLoader.LoadFileAsync(file, new DatasetLoadOptions { Format = DatasetFormat.Gsm8k, SkipInvalid = true }, CancellationToken.None);
        skipped.Examples.Count.ShouldBe(149);
        skipped.SkippedCount.ShouldBe(1);
        skipped.Warnings.Single().ShouldContain("row 70 (row group 2 of 3)");

        var numbers = await WriteAsync(Path.Combine(_dir.Path, "numbers.parquet"), new[] { new NumberRow { Question = 7, Answer = "#### 7" } }, rowGroupSize: 8);
        (await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadFileAsync(numbers, new DatasetLoadOptions(), CancellationToken.None)))
            .Message.ShouldBe($"{numbers}: row 1 (row group 1 of 1): field 'question' must be a string, found a number");
    }

    [Fact]
    public async Task Columns_a_dataset_cannot_use_are_never_read_and_a_file_without_usable_columns_or_not_parquet_is_named()
    {
        var withMap = await WriteAsync(Path.Combine(_dir.Path, "map.parquet"), new[] { new MathRow { Question = "q", Answer = "#### 1", Extra = new() { ["k"] = "v" } } }, rowGroupSize: 8);
        (await DatasetLoader.LoadFileAsync(withMap, new DatasetLoadOptions(), CancellationToken.None)).Examples.Single().ReferenceAnswer.ShouldBe("1");
        (await Should.ThrowAsync<DatasetFormatException>(() => ReadAllAsync(withMap))).Message.ShouldBe($"{withMap}: column 'extra' is a map, which datasets cannot use");

        var other = await WriteAsync(Path.Combine(_dir.Path, "other.parquet"), new[] { new OtherRow { Foo = "f", Bar = 1 } }, rowGroupSize: 8);
        (await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadFileAsync(other, new DatasetLoadOptions { Format = DatasetFormat.Gsm8k }, CancellationToken.None)))
            .Message.ShouldBe($"{other}: none of the columns the Gsm8k format reads (question, answer, id) is in the file; it has [foo, bar]: set the format or the field names");

        var fake = Path.Combine(_dir.Path, "fake.parquet");
        await File.WriteAllTextAsync(fake, "PAR1 this is not parquet");
        (await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadFileAsync(fake, new DatasetLoadOptions(), CancellationToken.None)))
            .Message.ShouldStartWith($"{fake}: not a readable parquet file");
    }
}
