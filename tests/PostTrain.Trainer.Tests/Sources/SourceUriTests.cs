using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Tests.Sources;

public class SourceUriTests
{
    [Fact]
    public void Parses_every_scheme()
    {
        SourceUri.Parse("hf://openai/gsm8k").ShouldSatisfyAllConditions(
            u => u.Scheme.ShouldBe(SourceScheme.HuggingFace),
            u => u.Authority.ShouldBe("openai/gsm8k"),
            u => u.Revision.ShouldBe("main"),
            u => u.Path.ShouldBe(string.Empty));
        SourceUri.Parse("hf://openai/gsm8k@v1.0/main/train.jsonl").ShouldSatisfyAllConditions(
            u => u.Revision.ShouldBe("v1.0"),
            u => u.Path.ShouldBe("main/train.jsonl"));
        SourceUri.Parse("pvc://data-claim/sets/train.jsonl").ShouldSatisfyAllConditions(
            u => u.Scheme.ShouldBe(SourceScheme.Pvc),
            u => u.Authority.ShouldBe("data-claim"),
            u => u.Path.ShouldBe("sets/train.jsonl"));
        SourceUri.Parse("file:///data/x.jsonl").ShouldSatisfyAllConditions(u => u.Scheme.ShouldBe(SourceScheme.File), u => u.Path.ShouldBe("/data/x.jsonl"));
        SourceUri.Parse("data/x.jsonl").ShouldSatisfyAllConditions(u => u.Scheme.ShouldBe(SourceScheme.Path), u => u.Path.ShouldBe("data/x.jsonl"));
        SourceUri.Parse("builtin://arithmetic?split=rl&count=5").ShouldSatisfyAllConditions(
            u => u.Scheme.ShouldBe(SourceScheme.Builtin),
            u => u.Authority.ShouldBe("arithmetic"),
            u => u.Query["split"].ShouldBe("rl"),
            u => u.Query["count"].ShouldBe("5"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("s3://bucket/x", "unknown scheme 's3://'")]
    [InlineData("hf://onlyorg", "expected hf://org/name")]
    [InlineData("hf://org/name@", "empty revision")]
    [InlineData("pvc://Bad_Claim/x", "not a valid PersistentVolumeClaim name")]
    [InlineData("pvc://claim/../etc", "'..' is not allowed")]
    [InlineData("file://relative/x", "three slashes")]
    [InlineData("builtin://arithmetic?split", "not key=value")]
    public void Bad_uris_are_rejected_with_a_reason(string uri, string reason)
    {
        Should.Throw<FormatException>(() => SourceUri.Parse(uri)).Message.ShouldContain(reason);
    }

    [Fact]
    public async Task Local_sources_resolve_to_paths_and_pvc_uses_the_configured_root()
    {
        using var scratch = new TempDirectory("posttrain-pvc-");
        var root = scratch.Path;
        Directory.CreateDirectory(Path.Combine(root, "claim", "sets"));
        await File.WriteAllTextAsync(Path.Combine(root, "claim", "sets", "a.jsonl"), "{}");
        using var hub = new HubClient(new HubClientOptions { CacheDirectory = root });
        var resolver = new SourceResolver(new SourceResolverOptions { PvcRoot = root }, hub);

        (await resolver.ResolveAsync(SourceUri.Parse("pvc://claim/sets/a.jsonl"), HubRepoKind.Dataset, null, CancellationToken.None))
            .ShouldBe(Path.Combine(root, "claim", "sets", "a.jsonl"));
        (await resolver.ResolveAsync(SourceUri.Parse($"file://{root}/claim"), HubRepoKind.Dataset, null, CancellationToken.None))
            .ShouldBe($"{root}/claim");
        var missing = await Should.ThrowAsync<FileNotFoundException>(() => resolver.ResolveAsync(SourceUri.Parse("pvc://other/x.jsonl"), HubRepoKind.Dataset, null, CancellationToken.None));
        missing.Message.ShouldContain("is the claim 'other' mounted");
        new SourceResolver(new SourceResolverOptions(), hub).LocalPath(SourceUri.Parse("pvc://c/p/q")).ShouldBe("/mnt/pvc/c/p/q");
    }

    [Fact]
    public void Pvc_root_comes_from_the_environment()
    {
        SourceResolverOptions.FromEnvironment(k => k == "POSTTRAIN_PVC_ROOT" ? "/mounts" : null).PvcRoot.ShouldBe("/mounts");
        SourceResolverOptions.FromEnvironment(_ => null).PvcRoot.ShouldBe("/mnt/pvc");
    }

    [Theory]
    [InlineData("model.safetensors", "*.safetensors", true)]
    [InlineData("sub/model.safetensors", "*.safetensors", true)]
    [InlineData("model.safetensors.index.json", "*.safetensors", false)]
    [InlineData("data/train-00000.jsonl", "data/train-*.jsonl", true)]
    [InlineData("config.json", "config.jso?", true)]
    [InlineData("a.json", "[ab].json", true)]
    [InlineData("c.json", "[!ab].json", true)]
    public void File_patterns_follow_fnmatch(string path, string pattern, bool expected)
    {
        FilePattern.IsMatch(path, pattern).ShouldBe(expected);
    }
}
