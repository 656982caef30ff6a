using PostTrain.Api.Model;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Tests.Sources;

public class SourceResolverTests
{
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
