using PostTrain.Api.Model;

namespace PostTrain.Api.Tests;

/// <summary>The pod-local path of a claim and its inverse, the pvc:// URI of a path under the mount root.</summary>
public class PvcPathsTests
{
    [Theory]
    [InlineData("/mnt/pvc/ckpt/run/checkpoint-000003", "/mnt/pvc", "pvc://ckpt/run/checkpoint-000003")]
    [InlineData("/mnt/pvc/ckpt/run/checkpoint-000003/", "/mnt/pvc/", "pvc://ckpt/run/checkpoint-000003")]
    [InlineData("/mnt/pvc//ckpt/./run/x/../checkpoint-000003", "/mnt/pvc", "pvc://ckpt/run/checkpoint-000003")]
    [InlineData("/mnt/pvc/checkpoints", "/mnt/pvc", "pvc://checkpoints")]
    [InlineData("/mnt/pvc/my.claim-1/a b/c", "/mnt/pvc", "pvc://my.claim-1/a b/c")]
    [InlineData("/tmp/t/pvc/ckpt/run", "/tmp/t/pvc", "pvc://ckpt/run")]
    [InlineData("/ckpt/run", "/", "pvc://ckpt/run")]
    public void A_path_under_the_root_becomes_the_pvc_uri_of_its_claim(string path, string root, string expected)
    {
        PvcPaths.TryToUri(path, root, out var uri).ShouldBeTrue();
        uri.ShouldBe(expected);
        SourceUri.Parse(uri).Kind.ShouldBe(SourceKind.Pvc);
    }

    [Theory]
    [InlineData("/mnt/pvc", "/mnt/pvc")] // the root itself names no claim
    [InlineData("/mnt/pvc/", "/mnt/pvc")]
    [InlineData("/mnt/pvcx/ckpt/run", "/mnt/pvc")] // a sibling folder sharing the prefix
    [InlineData("/var/lib/posttrain/output/checkpoint-000001", "/mnt/pvc")]
    [InlineData("/mnt/pvc/../etc/passwd", "/mnt/pvc")]
    [InlineData("mnt/pvc/ckpt/run", "/mnt/pvc")] // relative paths are not located
    [InlineData("/mnt/pvc/ckpt/run", "mnt/pvc")]
    [InlineData("/mnt/pvc/Not_A_Claim/run", "/mnt/pvc")]
    [InlineData("", "/mnt/pvc")]
    [InlineData(null, "/mnt/pvc")]
    public void A_path_outside_the_root_or_without_a_valid_claim_has_no_pvc_uri(string? path, string root)
    {
        PvcPaths.TryToUri(path, root, out var uri).ShouldBeFalse();
        uri.ShouldBeNull();
    }

    [Fact]
    public void Mount_path_and_inverse_round_trip_for_any_claim_and_path()
    {
        var random = new Random(19);
        const string claimChars = "abcdefghijklmnopqrstuvwxyz0123456789";
        const string pathChars = "abcXYZ019-_.";
        for (var i = 0; i < 500; i++)
        {
            var claim = string.Join('.', Enumerable.Range(0, random.Next(1, 3)).Select(_ => Word(claimChars, random.Next(1, 12))));
            var segments = Enumerable.Range(0, random.Next(0, 4)).Select(_ => "s" + Word(pathChars, random.Next(0, 8))).ToList();
            var root = random.Next(3) switch { 0 => "/mnt/pvc", 1 => "/tmp/x/pvc/", _ => "/data" };
            var path = string.Join('/', [PvcPaths.MountPath(claim, root), .. segments]);

            PvcPaths.TryToUri(path, root, out var uri).ShouldBeTrue(path);
            var parsed = SourceUri.Parse(uri);
            parsed.Name.ShouldBe(claim);
            parsed.Path.ShouldBe(string.Join('/', segments));
        }

        string Word(string alphabet, int length) => new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);
    }

    [Fact]
    public void Claims_are_mounted_under_the_default_root()
    {
        PvcPaths.DefaultRoot.ShouldBe("/mnt/pvc");
        PvcPaths.MountPath("checkpoints").ShouldBe("/mnt/pvc/checkpoints");
        PvcPaths.MountPath("checkpoints", "/data/").ShouldBe("/data/checkpoints");
    }
}
