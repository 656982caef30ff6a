using System.Text.Json.Nodes;

namespace PostTrain.Shipping.Tests;

/// <summary>
/// `make gpu-bundle`, then `gpu-check.sh --cpu` from inside the bundle: every step the GPU check takes on a GPU
/// machine (building the shim against the machine's libtorch, the GPU tests, the trimmed worker end to end, the
/// timings against PyTorch eager, the all-reduce), run on the CPU, so that the check is known to work on the day a GPU
/// is at hand.
/// </summary>
public sealed class GpuBundleTests : IDisposable
{
    private readonly TempDirectory _out = new("posttrain-gpu-check-");

    [Fact]
    public async Task The_bundle_is_under_60_MiB_and_its_check_passes_on_the_cpu()
    {
        (await ToolProcess.RunAsync("bash", ["scripts/gpu-bundle.sh"], TimeSpan.FromMinutes(8))).EnsureSuccess("gpu-bundle.sh");
        var bundle = Path.Combine(TestPaths.RepoRoot, "build", "gpu-bundle");
        var size = Directory.EnumerateFiles(bundle, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        size.ShouldBeLessThan(60L << 20);
        File.Exists(Path.Combine(bundle, "native", "CMakeLists.txt")).ShouldBeTrue();
        Directory.EnumerateFiles(Path.Combine(bundle, "native", "src"), "*.cpp").ShouldNotBeEmpty();

        // Run from a copy, as on the GPU machine: nothing in it may point back into the repository.
        var copy = Path.Combine(_out.Path, "bundle");
        (await ToolProcess.RunAsync("cp", ["-a", bundle, copy], TimeSpan.FromMinutes(1))).EnsureSuccess("cp");
        var results = Path.Combine(_out.Path, "results");
        var check = await ToolProcess.RunAsync("bash", [Path.Combine(copy, "gpu-check.sh"), "--cpu", "--out", results], TimeSpan.FromMinutes(10));
        check.ExitCode.ShouldBe(0, check.StandardOutput + check.StandardError);

        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(results, "gpu-check.json")))!;
        report["mode"]!.GetValue<string>().ShouldBe("cpu");
        report["tests"]!["failed"]!.GetValue<int>().ShouldBe(0);
        report["tests"]!["passed"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(13);
        report["worker"]!["exit_code"]!.GetValue<int>().ShouldBe(0);
        report["worker"]!["ranks"]!.GetValue<int>().ShouldBe(2);
        var sft = report["sft"]!.AsArray();
        sft.Count.ShouldBe(2);
        foreach (var row in sft)
        {
            row!["csharp"]!["tokens_per_second"]!.GetValue<double>().ShouldBeGreaterThan(0);
            row["pytorch"]!["tokens_per_second"]!.GetValue<double>().ShouldBeGreaterThan(0);
            row["csharp_over_pytorch_step_time"]!.GetValue<double>().ShouldBeGreaterThan(0);
        }

        report["rollout"]!["tokens_per_second"]!.GetValue<double>().ShouldBeGreaterThan(0);
        report["allreduce"]!["ranks"]!.GetValue<int>().ShouldBe(2);
        var markdown = File.ReadAllText(Path.Combine(results, "gpu-check.md"));
        markdown.ShouldContain("| toy-a |");
        markdown.ShouldContain("(d) rollout with the KV cache");
        markdown.ShouldContain("(e) all-reduce, gloo, 2 ranks");
    }

    public void Dispose() => _out.Dispose();

}
