using System.Text;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Sources;
using PostTrain.Trainer.Tests.Sources;

namespace PostTrain.Trainer.Tests.Data;

public sealed class DatasetSourceLoaderTests : IAsyncLifetime, IDisposable
{
    private readonly FakeHub _hub = new();
    private readonly string _cache = Directory.CreateTempSubdirectory("posttrain-dsl-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private DatasetSourceLoader Loader(HubClient hub) => new(new SourceResolver(new SourceResolverOptions { PvcRoot = _cache }, hub));

    [Fact]
    public async Task Hf_datasets_are_downloaded_and_read_and_builtins_are_generated()
    {
        _hub.Files["datasets/openai/gsm8k/main/main/train.jsonl"] = Encoding.UTF8.GetBytes("{\"question\": \"q1\", \"answer\": \"1 + 1 = 2\\n#### 2\"}\n");
        _hub.Files["datasets/openai/gsm8k/main/main/test.jsonl"] = Encoding.UTF8.GetBytes("{\"question\": \"q2\", \"answer\": \"#### 3\"}\n");
        _hub.Files["datasets/openai/gsm8k/main/README.md"] = Encoding.UTF8.GetBytes("# gsm8k");
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache });
        var loader = Loader(hub);

        var all = await loader.LoadAsync("hf://openai/gsm8k", new DatasetLoadOptions(), CancellationToken.None);
        all.Examples.Select(e => e.ReferenceAnswer).ShouldBe(["3", "2"]); // main/test.jsonl sorts before main/train.jsonl

        var one = await loader.LoadAsync("hf://openai/gsm8k/main/train.jsonl", new DatasetLoadOptions(), CancellationToken.None);
        one.Examples.Single().Prompt.ShouldBe("q1");

        var builtin = await loader.LoadAsync("builtin://arithmetic?split=rl&count=3", new DatasetLoadOptions(), CancellationToken.None);
        builtin.Examples.Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_parquet_only_hub_dataset_is_refused_with_the_files_it_holds()
    {
        _hub.Files["datasets/org/pq/main/data/train-00000.parquet"] = [1, 2, 3];
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache });

        var error = await Should.ThrowAsync<HubDownloadException>(() => Loader(hub).LoadAsync("hf://org/pq", new DatasetLoadOptions(), CancellationToken.None));

        error.Message.ShouldContain("no file matching [*.jsonl, *.json]");
        error.Message.ShouldContain("data/train-00000.parquet");
    }
}
