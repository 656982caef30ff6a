using System.Text.RegularExpressions;
using PostTrain.Api.Loading;
using PostTrain.Api.Validation;

namespace PostTrain.Api.Tests;

public partial class DocumentationTests
{
    [Fact]
    public void Every_manifest_example_in_docs_api_md_is_valid()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "api.md"));
        var examples = YamlBlock().Matches(text).Select(m => m.Groups[1].Value).Where(y => y.StartsWith("apiVersion: posttrain.dev/", StringComparison.Ordinal)).ToList();

        examples.Count.ShouldBe(3);
        var jobs = examples.SelectMany(y => JobManifestLoader.Load(y, "docs/api.md")).ToList();
        jobs.Select(j => j.Kind).ShouldBe(["SftJob", "RlvrJob", "EvalJob"]);
        jobs.ShouldAllBe(j => JobValidator.Validate(j).Count == 0);
        JobDependencyOrder.Sort(jobs).Select(j => j.Kind).ShouldBe(["SftJob", "RlvrJob", "EvalJob"]);
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
