using FsCheck;
using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Tests.Data;

public sealed class DatasetLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-data-");

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Every_format_is_normalised_to_one_example_type()
    {
        var path = Write("mixed.jsonl", """
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}], "id": "chat-1"}
            {"prompt": "2+2=", "completion": "4", "answer": 4}
            {"question": "Tom has 3 apples and buys 2. How many?", "answer": "3 + 2 = 5\n#### 5"}
            {"task_id": 11, "text": "Write add(a, b).", "code": "def add(a, b):\n    return a + b", "test_list": ["assert add(1, 2) == 3"], "test_setup_code": ""}

            """);

        var result = await DatasetLoader.LoadAsync(path, new DatasetLoadOptions(), CancellationToken.None);

        result.SkippedCount.ShouldBe(0);
        result.Examples.Count.ShouldBe(4);
        var chat = result.Examples[0];
        chat.Id.ShouldBe("chat-1");
        chat.Messages!.Select(m => (m.Role, m.Content)).ShouldBe([("user", "hi"), ("assistant", "hello")]);
        chat.PromptText.ShouldBe("hi");
        var pc = result.Examples[1];
        (pc.Prompt, pc.Completion, pc.ReferenceAnswer, pc.Id, pc.SourceLine).ShouldBe(("2+2=", "4", "4", "mixed.jsonl:2", 2));
        var gsm = result.Examples[2];
        (gsm.Prompt, gsm.Completion, gsm.ReferenceAnswer).ShouldBe(("Tom has 3 apples and buys 2. How many?", "3 + 2 = 5\n#### 5", "5"));
        var mbpp = result.Examples[3];
        (mbpp.Id, mbpp.Prompt, mbpp.TestSetupCode).ShouldBe(("11", "Write add(a, b).", null));
        mbpp.Tests.ShouldBe(["assert add(1, 2) == 3"]);
        mbpp.Source.ShouldBe(path);
    }

    [Fact]
    public async Task Bom_crlf_lines_longer_than_the_read_buffer_and_no_final_newline_are_handled()
    {
        var big = new string('x', 3 << 20);
        var path = Path.Combine(_dir.Path, "edge.jsonl");
        var text = "{\"prompt\": \"a\"}\r\n\r\n{\"prompt\": \"" + big + "\"}\r\n{\"prompt\": \"\u00e9t\u00e9 \u2212 ok\"}\r\n{\"prompt\": 1}";
        await File.WriteAllTextAsync(path, text, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var error = await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(path, new DatasetLoadOptions(), CancellationToken.None));
        error.Line.ShouldBe(5);

        var result = await DatasetLoader.LoadAsync(path, new DatasetLoadOptions { SkipInvalid = true }, CancellationToken.None);
        result.Examples.Select(e => e.SourceLine).ShouldBe([1, 3, 4]);
        result.Examples[0].Prompt.ShouldBe("a");
        result.Examples[1].Prompt!.Length.ShouldBe(big.Length);
        result.Examples[2].Prompt.ShouldBe("\u00e9t\u00e9 \u2212 ok");
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_string_names_file_line_and_byte_and_skip_invalid_skips_it()
    {
        var path = Write("utf8.jsonl", "");
        await File.WriteAllBytesAsync(path, [.. "{\"prompt\": \"ok\"}\n{\"prompt\": \"bad "u8, 0xC3, 0x28, .. "\"}\n{\"prompt\": \"ok2\"}\n"u8]);

        var error = await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(path, new DatasetLoadOptions(), CancellationToken.None));
        error.Message.ShouldBe($"{path}:2: invalid UTF-8 at byte 17 of the line");
        error.Line.ShouldBe(2);

        var skipped = await DatasetLoader.LoadAsync(path, new DatasetLoadOptions { SkipInvalid = true }, CancellationToken.None);
        skipped.Examples.Select(e => e.Prompt).ShouldBe(["ok", "ok2"]);
        skipped.SkippedCount.ShouldBe(1);
    }

    [Fact]
    public async Task Json_arrays_are_read_and_errors_name_the_line_of_the_element()
    {
        var path = Write("set.json", "[\n  {\"prompt\": \"a\"},\n  {\"prompt\": \"b\", \"completion\": \"c\"},\n  {\"prompt\": 3}\n]\n");

        var error = await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(path, new DatasetLoadOptions(), CancellationToken.None));
        error.Message.ShouldBe($"{path}:4: field 'prompt' must be a string, found a number");
        error.Line.ShouldBe(4);

        var skipped = await DatasetLoader.LoadAsync(path, new DatasetLoadOptions { SkipInvalid = true }, CancellationToken.None);
        skipped.Examples.Select(e => e.Prompt).ShouldBe(["a", "b"]);
        skipped.Examples.Select(e => e.SourceLine).ShouldBe([2, 3]);
        skipped.SkippedCount.ShouldBe(1);
    }

    [Fact]
    public async Task A_bad_line_is_an_error_naming_file_line_and_problem_or_a_counted_warning()
    {
        var path = Write("bad.jsonl", "{\"prompt\": \"ok\"}\n{not json}\n{\"question\": \"q\", \"answer\": \"no final\"}\n[1]\n{\"other\": 1}\n{\"prompt\": \"ok2\"}\n");

        var error = await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(path, new DatasetLoadOptions(), CancellationToken.None));
        error.File.ShouldBe(path);
        error.Line.ShouldBe(2);
        error.Message.ShouldStartWith($"{path}:2: invalid JSON");

        var result = await DatasetLoader.LoadAsync(path, new DatasetLoadOptions { SkipInvalid = true }, CancellationToken.None);
        result.Examples.Select(e => e.Prompt).ShouldBe(["ok", "ok2"]);
        result.SkippedCount.ShouldBe(4);
        result.Warnings.Count.ShouldBe(4);
        result.Warnings[1].ShouldContain($"{path}:3: field 'answer' has no final answer after '####'");
        result.Warnings[2].ShouldContain($"{path}:4: expected a JSON object, found an array");
        result.Warnings[3].ShouldContain($"{path}:5: cannot tell the record's format");
    }

    [Fact]
    public async Task Field_names_can_be_overridden_and_the_format_forced()
    {
        var path = Write("custom.jsonl", "{\"instruction\": \"Say hi\", \"output\": \"hi\", \"uid\": \"x7\", \"gold\": \"hi\"}\n");
        var options = new DatasetLoadOptions
        {
            Format = DatasetFormat.PromptCompletion,
            Fields = new FieldNames { Prompt = "instruction", Completion = "output", Id = "uid", Answer = "gold" },
        };

        var example = (await DatasetLoader.LoadAsync(path, options, CancellationToken.None)).Examples.Single();

        (example.Id, example.Prompt, example.Completion, example.ReferenceAnswer).ShouldBe(("x7", "Say hi", "hi", "hi"));
        var forced = await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(path, new DatasetLoadOptions { Format = DatasetFormat.Gsm8k }, CancellationToken.None));
        forced.Message.ShouldContain(":1: missing field 'answer'");
    }

    [Fact]
    public void Malformed_messages_and_tests_say_what_is_wrong()
    {
        var text = "{\"messages\": [{\"role\": \"user\"}]}\n{\"messages\": []}\n{\"text\": \"t\", \"test_list\": []}\n{\"text\": \"t\", \"test_list\": [1]}\n";
        var result = DatasetLoader.ParseJsonLines(text, "inline", new DatasetLoadOptions { SkipInvalid = true });
        result.Warnings.ShouldBe([
            "skipped invalid record: inline:1: messages[0] must be an object with string 'role' and 'content'",
            "skipped invalid record: inline:2: field 'messages' is an empty array",
            "skipped invalid record: inline:3: field 'test_list' is an empty array; a code item needs at least one test",
            "skipped invalid record: inline:4: test_list[0] must be a string, found a number",
        ]);
    }

    [Fact]
    public async Task A_folder_loads_its_data_files_in_order_and_only_those_of_the_split()
    {
        Write("b/part.jsonl", "{\"prompt\": \"2\"}\n");
        Write("a.jsonl", "{\"prompt\": \"1\"}\n");
        Write("notes.txt", "ignored");
        Write("dataset_infos.json", "{\"default\": {}}");
        var all = await DatasetLoader.LoadAsync(_dir.Path, new DatasetLoadOptions(), CancellationToken.None);
        all.Examples.Select(e => e.Prompt).ShouldBe(["1", "2"]);

        Write("split/train.jsonl", "{\"prompt\": \"t\"}\n");
        Write("split/test.jsonl", "{\"prompt\": \"e\"}\n");
        var split = Path.Combine(_dir.Path, "split");
        (await DatasetLoader.LoadAsync(split, new DatasetLoadOptions(), CancellationToken.None)).Examples.Select(e => e.Prompt).ShouldBe(["t"]);
        (await DatasetLoader.LoadAsync(split, new DatasetLoadOptions { Split = "test" }, CancellationToken.None)).Examples.Select(e => e.Prompt).ShouldBe(["e"]);
        (await DatasetLoader.LoadAsync(split, new DatasetLoadOptions { Split = null }, CancellationToken.None)).Examples.Select(e => e.Prompt).ShouldBe(["e", "t"]);

        var empty = Directory.CreateDirectory(Path.Combine(_dir.Path, "empty")).FullName;
        Write("empty/readme.md", "no data");
        (await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(empty, new DatasetLoadOptions(), CancellationToken.None)))
            .Message.ShouldBe($"{empty}: no data file matches [*.jsonl, *.ndjson, *.json, *.parquet]");
        (await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(Write("x.csv", "a,b"), new DatasetLoadOptions(), CancellationToken.None)))
            .Message.ShouldContain("unknown dataset file type '.csv'; expected .jsonl, .ndjson, .json or .parquet");
    }

    [Fact]
    public async Task A_folder_of_parquet_shards_reads_every_shard_of_the_split_in_order_and_a_sample_is_drawn_by_the_seed()
    {
        var shards = ParquetRecordReaderTests.Shards;
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "gsm8k", "main")).FullName;
        foreach (var file in Directory.GetFiles(shards, "*.parquet"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var twinTrain = (await File.ReadAllLinesAsync(Path.Combine(shards, "train-00000-of-00002.jsonl")))
            .Concat(await File.ReadAllLinesAsync(Path.Combine(shards, "train-00001-of-00002.jsonl")))
            .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["question"]!.GetValue<string>()).ToList();
        var root = Path.Combine(_dir.Path, "gsm8k");

        var train = await DatasetLoader.LoadAsync(root, new DatasetLoadOptions { Format = DatasetFormat.Gsm8k, FileType = DatasetFileType.Parquet }, CancellationToken.None);
        var test = await DatasetLoader.LoadAsync(root, new DatasetLoadOptions { Split = "test", Config = "main" }, CancellationToken.None);

        train.Examples.Select(e => e.Prompt).ShouldBe(twinTrain);
        test.Examples.Select(e => e.Prompt).ShouldBe((await File.ReadAllLinesAsync(Path.Combine(shards, "test-00000-of-00001.jsonl")))
            .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["question"]!.GetValue<string>()));
        train.Examples.Select(e => Path.GetFileName(e.Source)).Distinct().ShouldBe(["train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]);

        var sampled = await DatasetLoader.LoadAsync(root, new DatasetLoadOptions { MaxSamples = 40, Seed = 42 }, CancellationToken.None);
        var again = await DatasetLoader.LoadAsync(root, new DatasetLoadOptions { MaxSamples = 40, Seed = 42 }, CancellationToken.None);
        var other = await DatasetLoader.LoadAsync(root, new DatasetLoadOptions { MaxSamples = 40, Seed = 7 }, CancellationToken.None);
        sampled.Examples.Count.ShouldBe(40);
        sampled.ValidCount.ShouldBe(500);
        sampled.Examples.Select(e => e.Id).ShouldBe(again.Examples.Select(e => e.Id));
        sampled.Examples.Select(e => e.Id).ShouldNotBe(other.Examples.Select(e => e.Id));
        sampled.Examples.Select(e => e.Prompt).ShouldNotBe(twinTrain.Take(40));
        sampled.Examples.Select(e => e.Prompt).ShouldBeSubsetOf(twinTrain);
        sampled.Examples.Select(e => twinTrain.IndexOf(e.Prompt!)).ShouldBeInOrder(SortDirection.Ascending);
        sampled.Examples.Select(e => e.Source).Distinct().Count().ShouldBe(2);

        // A jsonl copy beside its parquet would train on every record twice: refused, unless the format says parquet.
        File.Copy(Path.Combine(shards, "test-00000-of-00001.jsonl"), Path.Combine(folder, "test-00000-of-00001.jsonl"));
        (await Should.ThrowAsync<DatasetFormatException>(() => DatasetLoader.LoadAsync(root, new DatasetLoadOptions { Split = "test" }, CancellationToken.None)))
            .Message.ShouldBe($"{root}: the files chosen mix 1 parquet file(s) (main/test-00000-of-00001.parquet) with 1 JSON file(s) (main/test-00000-of-00001.jsonl): set the format to parquet to read only the parquet files, or point the source at one kind");
        (await DatasetLoader.LoadAsync(root, new DatasetLoadOptions { Split = "test", FileType = DatasetFileType.Parquet }, CancellationToken.None)).Examples.Count.ShouldBe(100);
    }

    [Fact]
    public void Parsing_any_generated_prompt_completion_record_round_trips()
    {
        FsCheck.Fluent.Prop.ForAll<string, string>((prompt, completion) =>
        {
            if (string.IsNullOrWhiteSpace(prompt) || completion is null)
            {
                return true;
            }

            var line = System.Text.Json.JsonSerializer.Serialize(new { prompt, completion });
            var example = DatasetLoader.ParseJsonLines(line, "gen", new DatasetLoadOptions()).Examples.Single();
            return example.Prompt == prompt && example.Completion == completion;
        }).QuickCheckThrowOnFailure();
    }
}
