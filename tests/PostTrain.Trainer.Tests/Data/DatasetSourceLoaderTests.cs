using System.Text;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Sources;
using PostTrain.Trainer.Tests.Sources;

namespace PostTrain.Trainer.Tests.Data;

public sealed class DatasetSourceLoaderTests : IAsyncLifetime, IDisposable
{
    private readonly FakeHub _hub = new();
    private readonly TempDirectory _cache = new("posttrain-dsl-");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    public void Dispose() => _cache.Dispose();

    private DatasetSourceLoader Loader(HubClient hub) => new(new SourceResolver(new SourceResolverOptions { PvcRoot = _cache.Path }, hub));

    private static string Shard(string name) => Path.Combine(ParquetRecordReaderTests.Shards, name);

    private static List<string> Questions(params string[] twins) =>
        [.. twins.SelectMany(t => File.ReadAllLines(Shard(t + ".jsonl"))).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["question"]!.GetValue<string>())];

    private void Serve(string repo, string revision, string file, string shard) =>
        _hub.Files[$"datasets/{repo}/{revision}/{file}"] = File.ReadAllBytes(Shard(shard + ".parquet"));

    [Fact]
    public async Task Hf_jsonl_datasets_honour_the_split_and_builtins_are_generated()
    {
        _hub.Files["datasets/openai/gsm8k/main/main/train.jsonl"] = Encoding.UTF8.GetBytes("{\"question\": \"q1\", \"answer\": \"1 + 1 = 2\\n#### 2\"}\n");
        _hub.Files["datasets/openai/gsm8k/main/main/test.jsonl"] = Encoding.UTF8.GetBytes("{\"question\": \"q2\", \"answer\": \"#### 3\"}\n");
        _hub.Files["datasets/openai/gsm8k/main/README.md"] = Encoding.UTF8.GetBytes("# gsm8k");
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path });
        var loader = Loader(hub);

        var train = await loader.LoadAsync("hf://openai/gsm8k", new DatasetLoadOptions(), CancellationToken.None);
        var test = await loader.LoadAsync("hf://openai/gsm8k", new DatasetLoadOptions { Split = "test" }, CancellationToken.None);

        // train and test never load together: each split reads only its own file.
        train.Examples.Select(e => e.ReferenceAnswer).ShouldBe(["2"]);
        test.Examples.Select(e => e.ReferenceAnswer).ShouldBe(["3"]);
        _hub.Requests.Count(r => r.Path.EndsWith("main/test.jsonl", StringComparison.Ordinal)).ShouldBe(1);

        var one = await loader.LoadAsync("hf://openai/gsm8k/main/train.jsonl", new DatasetLoadOptions(), CancellationToken.None);
        one.Examples.Single().Prompt.ShouldBe("q1");

        var builtin = await loader.LoadAsync("builtin://arithmetic?split=rl&count=3", new DatasetLoadOptions(), CancellationToken.None);
        builtin.Examples.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Hf_parquet_shards_named_config_split_n_of_m_load_by_config_and_split_through_the_hub()
    {
        Serve("org/gsm8k-shaped", "main", "main/train-00000-of-00002.parquet", "train-00000-of-00002");
        Serve("org/gsm8k-shaped", "main", "main/train-00001-of-00002.parquet", "train-00001-of-00002");
        Serve("org/gsm8k-shaped", "main", "main/test-00000-of-00001.parquet", "test-00000-of-00001");
        _hub.Files["datasets/org/gsm8k-shaped/main/README.md"] = Encoding.UTF8.GetBytes("---\nconfigs: [main]\n---");
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path });
        var loader = Loader(hub);

        var train = await loader.LoadAsync("hf://org/gsm8k-shaped", new DatasetLoadOptions { Format = DatasetFormat.Gsm8k }, CancellationToken.None);
        var test = await loader.LoadAsync("hf://org/gsm8k-shaped", new DatasetLoadOptions { Split = "test", Config = "main" }, CancellationToken.None);

        train.Examples.Select(e => e.Prompt).ShouldBe(Questions("train-00000-of-00002", "train-00001-of-00002"));
        test.Examples.Select(e => e.Prompt).ShouldBe(Questions("test-00000-of-00001"));

        Serve("org/gsm8k-shaped", "main", "socratic/train-00000-of-00001.parquet", "test-00000-of-00001");
        (await Should.ThrowAsync<DatasetFormatException>(() => loader.LoadAsync("hf://org/gsm8k-shaped", new DatasetLoadOptions(), CancellationToken.None)))
            .Message.ShouldBe("dataset hf://org/gsm8k-shaped has several configs [main, socratic]: set the dataset's config to one of them");
        (await loader.LoadAsync("hf://org/gsm8k-shaped", new DatasetLoadOptions { Config = "socratic" }, CancellationToken.None)).Examples.Count.ShouldBe(100);
    }

    [Fact]
    public async Task A_dataset_without_data_files_loads_from_its_refs_convert_parquet_revision()
    {
        _hub.Files["datasets/org/scripted/main/scripted.py"] = Encoding.UTF8.GetBytes("import datasets");
        _hub.Files["datasets/org/scripted/main/README.md"] = Encoding.UTF8.GetBytes("# scripted");
        Serve("org/scripted", "refs/convert/parquet", "default/train/0000.parquet", "train-00000-of-00002");
        Serve("org/scripted", "refs/convert/parquet", "default/train/0001.parquet", "train-00001-of-00002");
        Serve("org/scripted", "refs/convert/parquet", "default/test/0000.parquet", "test-00000-of-00001");
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path });
        var loader = Loader(hub);

        var train = await loader.LoadAsync("hf://org/scripted", new DatasetLoadOptions(), CancellationToken.None);
        var test = await loader.LoadAsync("hf://org/scripted@refs%2Fconvert%2Fparquet", new DatasetLoadOptions { Split = "test", Config = "default" }, CancellationToken.None);

        train.Examples.Select(e => e.Prompt).ShouldBe(Questions("train-00000-of-00002", "train-00001-of-00002"));
        test.Examples.Select(e => e.Prompt).ShouldBe(Questions("test-00000-of-00001"));
        _hub.Requests.Select(r => r.Path).ShouldContain("datasets/org/scripted/resolve/refs/convert/parquet/default/train/0001.parquet");
        _hub.Requests.Select(r => r.Path).ShouldNotContain("datasets/org/scripted/resolve/main/scripted.py");
    }

    [Fact]
    public async Task A_hub_sample_of_max_samples_is_drawn_by_the_seed_and_the_same_in_every_run()
    {
        Serve("org/gsm8k-shaped", "main", "data/train-00000-of-00002.parquet", "train-00000-of-00002");
        Serve("org/gsm8k-shaped", "main", "data/train-00001-of-00002.parquet", "train-00001-of-00002");
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path });
        using var freshHub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = Path.Combine(_cache.Path, "fresh") });

        var first = await Loader(hub).LoadAsync("hf://org/gsm8k-shaped", new DatasetLoadOptions { MaxSamples = 25, Seed = 42 }, CancellationToken.None);
        var second = await Loader(freshHub).LoadAsync("hf://org/gsm8k-shaped", new DatasetLoadOptions { MaxSamples = 25, Seed = 42 }, CancellationToken.None);
        var reseeded = await Loader(hub).LoadAsync("hf://org/gsm8k-shaped", new DatasetLoadOptions { MaxSamples = 25, Seed = 43 }, CancellationToken.None);

        var all = Questions("train-00000-of-00002", "train-00001-of-00002");
        first.Examples.Select(e => e.Prompt).ShouldBe(second.Examples.Select(e => e.Prompt));
        first.Examples.Select(e => e.Prompt).Distinct().Count().ShouldBe(25);
        first.Examples.Select(e => e.Prompt).ShouldNotBe(all.Take(25));
        first.Examples.Select(e => e.Prompt).ShouldNotBe(reseeded.Examples.Select(e => e.Prompt));
        first.ValidCount.ShouldBe(500);
    }

    [Fact]
    public async Task A_hub_dataset_without_data_files_or_conversion_is_refused_with_the_files_it_holds()
    {
        _hub.Files["datasets/org/empty/main/notes/readme.txt"] = [1, 2, 3];
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path });

        var error = await Should.ThrowAsync<DatasetFormatException>(() => Loader(hub).LoadAsync("hf://org/empty", new DatasetLoadOptions(), CancellationToken.None));

        error.Message.ShouldBe("dataset hf://org/empty has no data file matching [*.jsonl, *.ndjson, *.json, *.parquet], nor a parquet conversion at refs/convert/parquet; it holds: notes/readme.txt");
    }
}
