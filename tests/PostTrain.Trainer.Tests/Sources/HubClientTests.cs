using System.Net;
using System.Text;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Tests.Sources;

public sealed class HubClientTests : IAsyncLifetime, IDisposable
{
    private readonly FakeHub _hub = new();
    private readonly TempDirectory _cache = new("posttrain-hubcache-");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    public void Dispose() => _cache.Dispose();

    private HubClient Client(int maxAttempts = 1, string? token = null) => new(new HubClientOptions
    {
        Endpoint = _hub.Endpoint,
        CacheDirectory = _cache.Path,
        MaxAttempts = maxAttempts,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        Token = token,
    });

    private static byte[] Content(int size)
    {
        var bytes = new byte[size];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Downloads_a_dataset_file_through_its_resolve_url_into_the_cache()
    {
        var content = Encoding.UTF8.GetBytes("{\"prompt\":\"a\",\"completion\":\"b\"}\n");
        _hub.Files["datasets/org/data/main/train.jsonl"] = content;
        using var client = Client();

        var path = await client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "train.jsonl", CancellationToken.None);

        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
        path.ShouldStartWith(Path.Combine(_cache.Path, "hub", "datasets", "org--data", "main"));
        File.Exists(path + ".partial").ShouldBeFalse();
        _hub.Requests.Single().Path.ShouldBe("datasets/org/data/resolve/main/train.jsonl");
    }

    [Fact]
    public async Task Model_files_use_the_url_without_the_datasets_prefix_and_nested_paths()
    {
        var content = Content(1000);
        _hub.Files["org/tiny/v1/sub/model.safetensors"] = content;
        using var client = Client();

        client.ResolveUrl(new HubRepository("org/tiny", HubRepoKind.Model, "v1"), "sub/model.safetensors").ToString()
            .ShouldBe($"{_hub.Endpoint}/org/tiny/resolve/v1/sub/model.safetensors");
        var path = await client.DownloadAsync("org/tiny", HubRepoKind.Model, "v1", "sub/model.safetensors", CancellationToken.None);

        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
    }

    [Fact]
    public async Task A_download_cut_mid_way_is_resumed_with_a_range_request_by_the_next_call()
    {
        var content = Content(200_000);
        _hub.Files["datasets/org/data/main/big.jsonl"] = content;
        _hub.CutNextBodyAfter = 70_000;
        using var client = Client(maxAttempts: 1);

        var first = await Should.ThrowAsync<HubDownloadException>(() => client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "big.jsonl", CancellationToken.None));
        first.Message.ShouldContain("big.jsonl");
        var target = client.CachePath(new HubRepository("org/data", HubRepoKind.Dataset), "big.jsonl");
        File.Exists(target).ShouldBeFalse();
        var partialLength = new FileInfo(target + ".partial").Length;
        partialLength.ShouldBeGreaterThan(0);
        partialLength.ShouldBeLessThan(content.Length);

        var path = await client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "big.jsonl", CancellationToken.None);

        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
        _hub.Requests.Last().Range.ShouldBe($"bytes={partialLength}-");
        File.Exists(target + ".partial").ShouldBeFalse();
    }

    [Fact]
    public async Task A_cut_download_is_resumed_automatically_within_one_call_when_attempts_remain()
    {
        var content = Content(150_000);
        _hub.Files["datasets/org/data/main/big.jsonl"] = content;
        _hub.CutNextBodyAfter = 50_000;
        using var client = Client(maxAttempts: 3);

        var path = await client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "big.jsonl", CancellationToken.None);

        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
        _hub.Requests.Count.ShouldBe(2);
        _hub.Requests.Last().Range.ShouldNotBeNull().ShouldStartWith("bytes=");
    }

    [Fact]
    public async Task A_partial_file_that_is_already_complete_is_verified_and_committed_on_416()
    {
        var content = Content(4000);
        _hub.Files["datasets/org/data/main/done.jsonl"] = content;
        using var client = Client();
        var target = client.CachePath(new HubRepository("org/data", HubRepoKind.Dataset), "done.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllBytesAsync(target + ".partial", content);

        var path = await client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "done.jsonl", CancellationToken.None);

        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
        _hub.Requests.Single().Range.ShouldBe("bytes=4000-");
    }

    [Fact]
    public async Task A_corrupt_partial_file_is_caught_by_the_checksum_after_resuming()
    {
        var content = Content(4000);
        _hub.Files["datasets/org/data/main/c.jsonl"] = content;
        using var client = Client(maxAttempts: 1);
        var target = client.CachePath(new HubRepository("org/data", HubRepoKind.Dataset), "c.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllBytesAsync(target + ".partial", new byte[1000]); // zeros, not the file's first 1000 bytes

        await Should.ThrowAsync<HubChecksumException>(() => client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "c.jsonl", CancellationToken.None));
        File.Exists(target + ".partial").ShouldBeFalse();

        var path = await client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "c.jsonl", CancellationToken.None);
        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
    }

    [Fact]
    public async Task A_checksum_mismatch_is_an_error_and_nothing_is_left_in_the_cache()
    {
        _hub.Files["datasets/org/data/main/train.jsonl"] = Content(5000);
        _hub.AnnouncedSha256["datasets/org/data/main/train.jsonl"] = new string('a', 64);
        using var client = Client(maxAttempts: 3);

        var error = await Should.ThrowAsync<HubChecksumException>(() => client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "train.jsonl", CancellationToken.None));

        error.Message.ShouldContain("checksum mismatch");
        error.Message.ShouldContain(new string('a', 64));
        var target = client.CachePath(new HubRepository("org/data", HubRepoKind.Dataset), "train.jsonl");
        File.Exists(target).ShouldBeFalse();
        File.Exists(target + ".partial").ShouldBeFalse();
        _hub.Requests.Count.ShouldBe(1); // a checksum mismatch is not retried
    }

    [Fact]
    public async Task The_lfs_sha256_from_X_Linked_Etag_on_the_redirect_is_verified()
    {
        var content = Content(3000);
        _hub.Files["org/tiny/main/model.safetensors"] = content;
        _hub.RedirectLikeLfs = true;
        using var client = Client();

        var path = await client.DownloadAsync("org/tiny", HubRepoKind.Model, "main", "model.safetensors", CancellationToken.None);
        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
        _hub.Requests.Select(r => r.Path).ShouldBe(["org/tiny/resolve/main/model.safetensors", "cdn/org/tiny/main/model.safetensors"]);

        _hub.Files["org/tiny/main/other.safetensors"] = content;
        _hub.AnnouncedSha256["org/tiny/main/other.safetensors"] = FakeHub.Sha256([1, 2, 3]);
        await Should.ThrowAsync<HubChecksumException>(() => client.DownloadAsync("org/tiny", HubRepoKind.Model, "main", "other.safetensors", CancellationToken.None));
    }

    [Fact]
    public async Task A_git_blob_sha1_etag_is_verified_for_small_files()
    {
        _hub.GitBlobEtag = true;
        var content = Encoding.UTF8.GetBytes("{\"vocab_size\": 10}");
        _hub.Files["org/tiny/main/config.json"] = content;
        using var client = Client();

        var path = await client.DownloadAsync("org/tiny", HubRepoKind.Model, "main", "config.json", CancellationToken.None);

        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
        (await HubClient.ComputeDigestAsync(path, 40, CancellationToken.None)).ShouldBe(FakeHub.GitBlobSha1(content));
    }

    [Fact]
    public async Task Unauthorized_is_a_clear_error_that_names_HF_TOKEN_and_the_token_is_sent_as_a_bearer()
    {
        _hub.Files["datasets/org/private/main/train.jsonl"] = Content(10);
        _hub.RequiredToken = "secret";
        using (var anonymous = Client(maxAttempts: 3))
        {
            var error = await Should.ThrowAsync<HubDownloadException>(() => anonymous.DownloadAsync("org/private", HubRepoKind.Dataset, "main", "train.jsonl", CancellationToken.None));
            error.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            error.Message.ShouldContain("401");
            error.Message.ShouldContain("HF_TOKEN");
            error.Message.ShouldContain("org/private");
            _hub.Requests.Count.ShouldBe(1); // 401 is not retried
        }

        using var authorised = Client(token: "secret");
        var path = await authorised.DownloadAsync("org/private", HubRepoKind.Dataset, "main", "train.jsonl", CancellationToken.None);
        File.Exists(path).ShouldBeTrue();
        _hub.Requests.Last().Authorization.ShouldBe("Bearer secret");
    }

    [Fact]
    public async Task Not_found_names_the_file_repository_and_revision()
    {
        using var client = Client();

        var error = await Should.ThrowAsync<HubDownloadException>(() => client.DownloadAsync("org/data", HubRepoKind.Dataset, "v2", "missing.jsonl", CancellationToken.None));

        error.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        error.Message.ShouldContain("'missing.jsonl'");
        error.Message.ShouldContain("org/data");
        error.Message.ShouldContain("'v2'");
    }

    [Fact]
    public async Task A_snapshot_lists_siblings_and_downloads_only_matching_files()
    {
        _hub.Files["org/tiny/main/config.json"] = Encoding.UTF8.GetBytes("{}");
        _hub.Files["org/tiny/main/tokenizer.json"] = Encoding.UTF8.GetBytes("{\"model\":{}}");
        _hub.Files["org/tiny/main/model-00001-of-00002.safetensors"] = Content(100);
        _hub.Files["org/tiny/main/model-00002-of-00002.safetensors"] = Content(200);
        _hub.Files["org/tiny/main/pytorch_model.bin"] = Content(300);
        using var client = Client();

        var dir = await client.DownloadSnapshotAsync("org/tiny", HubRepoKind.Model, "main", ["config.json", "tokenizer.json", "*.safetensors", "*.safetensors.index.json"]);

        Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .ShouldBe(["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "tokenizer.json"]);
        _hub.Requests.First().Path.ShouldBe("api/models/org/tiny/revision/main");
    }

    [Fact]
    public async Task A_cached_file_is_not_downloaded_again()
    {
        _hub.Files["datasets/org/data/main/train.jsonl"] = Content(10);
        using var client = Client();
        await client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "train.jsonl", CancellationToken.None);
        await client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "train.jsonl", CancellationToken.None);
        _hub.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public void Options_come_from_the_environment()
    {
        var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = "http://mirror.local/", ["HF_TOKEN"] = " t0k ", ["HF_HOME"] = "/hf", ["HOME"] = "/home/u" };
        var options = HubClientOptions.FromEnvironment(k => env.GetValueOrDefault(k));
        options.Endpoint.ShouldBe("http://mirror.local");
        options.Token.ShouldBe("t0k");
        options.CacheDirectory.ShouldBe("/hf");

        env["POSTTRAIN_CACHE"] = "/cache";
        HubClientOptions.FromEnvironment(k => env.GetValueOrDefault(k)).CacheDirectory.ShouldBe("/cache");
        HubClientOptions.FromEnvironment(k => k == "HOME" ? "/home/u" : null).ShouldSatisfyAllConditions(
            o => o.Endpoint.ShouldBe("https://huggingface.co"),
            o => o.Token.ShouldBeNull(),
            o => o.CacheDirectory.ShouldBe("/home/u/.cache/posttrain"));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    public void File_names_that_escape_the_cache_are_rejected(string file)
    {
        using var client = Client();
        Should.Throw<ArgumentException>(() => client.CachePath(new HubRepository("org/x", HubRepoKind.Model), file));
    }
}
