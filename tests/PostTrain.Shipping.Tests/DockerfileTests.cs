using System.Text.RegularExpressions;

namespace PostTrain.Shipping.Tests;

/// <summary>
/// The Dockerfile's shape, checked without a Docker engine: the two targets, non-root numeric users, the shim
/// built against the PyTorch image's libtorch, matching PyTorch releases, and COPY sources that exist.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "Dockerfile"));

    [Fact]
    public void There_are_operator_and_worker_targets_each_ending_as_a_numeric_non_root_user()
    {
        var stages = Stages();
        stages.Keys.ShouldContain("operator");
        stages.Keys.ShouldContain("worker");
        foreach (var target in new[] { "operator", "worker" })
        {
            var user = stages[target].LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal)) ?? throw new ShouldAssertException($"stage {target} sets no USER");
            var uid = user["USER ".Length..].Split(':')[0];
            int.TryParse(uid, out var n).ShouldBeTrue($"{target}: a numeric uid lets the kubelet check runAsNonRoot ({user})");
            n.ShouldBeGreaterThan(0, target);
            stages[target].ShouldContain(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal), target);
        }
    }

    [Fact]
    public void The_charts_operator_user_is_the_operator_images_user()
    {
        var user = Stages()["operator"].Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Split(':');
        var values = PostTrain.Api.Yaml.YamlJsonReader.ReadAll(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "charts", "posttrain", "values.yaml"))).Single().Root!;
        var context = values["operator"]!["podSecurityContext"]!;
        ((long)context["runAsUser"]!).ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe(user[0]);
        ((long)context["runAsGroup"]!).ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe(user[1]);
    }

    [Fact]
    public void The_worker_gets_the_shim_built_against_the_pytorch_images_libtorch()
    {
        var stages = Stages();
        stages["native-build"].ShouldContain(l => l.Contains("native/build.sh", StringComparison.Ordinal));
        stages["worker-publish"].ShouldContain(l => l.Contains("-p:BuildNativeShim=false", StringComparison.Ordinal), "the .NET build does not build a CPU shim");
        stages["worker"].ShouldContain(l => l.Contains("--from=native-build", StringComparison.Ordinal) && l.Contains("libposttrain_torch.so", StringComparison.Ordinal));
        stages["worker"].ShouldContain(l => l.Contains("--from=dotnet-runtime", StringComparison.Ordinal), "the .NET runtime is added");

        var args = Lines.Select(l => ArgLine().Match(l)).Where(m => m.Success).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        var devel = args["PYTORCH_DEVEL_IMAGE"];
        var runtime = args["PYTORCH_RUNTIME_IMAGE"];
        devel.ShouldEndWith("-devel");
        runtime.ShouldEndWith("-runtime");
        devel[..^"-devel".Length].ShouldBe(runtime[..^"-runtime".Length], "the shim must be built against the same PyTorch release it runs with");
    }

    [Fact]
    public void Every_copied_source_exists_in_the_repository()
    {
        foreach (var line in Lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in parts.Take(parts.Count - 1))
            {
                var path = Path.Combine(TestPaths.RepoRoot, source);
                (File.Exists(path) || Directory.Exists(path)).ShouldBeTrue($"Dockerfile: {line}: {source} does not exist");
            }
        }
    }

    [Fact]
    public void The_build_context_leaves_out_build_outputs_and_tools()
    {
        var ignored = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, ".dockerignore"));
        ignored.ShouldContain("**/bin");
        ignored.ShouldContain("**/obj");
        ignored.ShouldContain("tools/");
        ignored.ShouldContain(".git");
    }

    private static Dictionary<string, List<string>> Stages()
    {
        var stages = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var raw in Lines)
        {
            var line = raw.Trim();
            var from = FromLine().Match(line);
            if (from.Success)
            {
                stages[from.Groups[1].Value] = current = [];
                continue;
            }

            current?.Add(line);
        }

        return stages;
    }

    [GeneratedRegex(@"^FROM\s+\S+\s+AS\s+(\S+)$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^ARG\s+([A-Z_]+)=(\S+)$")]
    private static partial Regex ArgLine();
}
