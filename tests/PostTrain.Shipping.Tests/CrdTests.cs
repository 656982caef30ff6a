using PostTrain.Api;
using PostTrain.Shipping.Tests.Helm;

namespace PostTrain.Shipping.Tests;

/// <summary>The chart's crds/ is a copy of the generated crds/ (helm does not follow the repository's layout), kept equal by these tests.</summary>
public sealed class CrdTests
{
    private static readonly string Generated = Path.Combine(TestPaths.RepoRoot, "crds");
    private static readonly string InChart = Path.Combine(HelmRunner.ChartDirectory, "crds");

    [Fact]
    public void The_chart_crds_equal_the_generated_crds_byte_for_byte()
    {
        static string[] Names(string dir) => Directory.GetFiles(dir, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Names(InChart).ShouldBe(Names(Generated), "the same files (after `make crds`, copy crds/*.yaml into charts/posttrain/crds/)");
        foreach (var name in Names(Generated))
        {
            File.ReadAllText(Path.Combine(InChart, name)).ShouldBe(File.ReadAllText(Path.Combine(Generated, name)), $"charts/posttrain/crds/{name} differs from crds/{name}: copy it again");
        }
    }

    [Fact]
    public void The_generated_crds_are_what_the_api_types_generate_now()
    {
        using var fresh = new TempDirectory("posttrain-crds-");
        foreach (var path in CrdGenerator.WriteAll(fresh.Path))
        {
            File.ReadAllText(path).ShouldBe(File.ReadAllText(Path.Combine(InChart, Path.GetFileName(path))), $"{Path.GetFileName(path)} is stale: run `make crds` and copy crds/ into the chart");
        }
    }

    [Fact]
    public async Task Helm_installs_the_three_crds_from_the_chart()
    {
        var shown = (await HelmRunner.RunAsync("show", "crds", HelmRunner.ChartDirectory)).EnsureSuccess("show crds");
        var crds = RenderedChart.Parse(shown.StandardOutput).OfKind("CustomResourceDefinition");
        crds.Select(c => (string)c["metadata"]!["name"]!).Order(StringComparer.Ordinal).ShouldBe(["evaljobs.posttrain.dev", "rlvrjobs.posttrain.dev", "sftjobs.posttrain.dev"]);
        crds.ShouldAllBe(c => (string)c["spec"]!["names"]!["categories"]![0]! == "posttrain");
    }
}
