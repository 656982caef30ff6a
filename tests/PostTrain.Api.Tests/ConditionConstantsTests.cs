using System.Reflection;
using PostTrain.Api.Status;
using PostTrain.Testing;

namespace PostTrain.Api.Tests;

/// <summary>The condition types and reasons are a contract with clients: their values are pinned, and docs/api.md lists each.</summary>
public sealed class ConditionConstantsTests
{
    [Fact]
    public void Condition_types_keep_their_values()
    {
        Values(typeof(ConditionTypes)).ShouldBe(["Progressing", "Complete", "Failed", "Suspended", "DependenciesReady", "SpecApplied"]);
    }

    [Fact]
    public void Condition_reasons_keep_their_values_and_fit_the_metav1_pattern()
    {
        var reasons = Values(typeof(ConditionReasons));
        reasons.ShouldBe(
        [
            "InvalidSpec", "DependencyFailed", "WaitingForDependency", "DependenciesSucceeded", "ChildConflict", "Pending", "Running",
            "Suspended", "Resumed", "Succeeded", "Finished", "JobFailed", "Applied", "SpecChangeIgnored", "WorkerFailed",
        ]);
        reasons.ShouldAllBe(r => System.Text.RegularExpressions.Regex.IsMatch(r, "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"));
    }

    [Fact]
    public void Docs_api_md_lists_every_condition_type_and_reason()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "api.md"));
        var section = text[text.IndexOf("### Conditions and reasons", StringComparison.Ordinal)..];
        foreach (var value in Values(typeof(ConditionTypes)).Concat(Values(typeof(ConditionReasons))))
        {
            section.ShouldContain($"`{value}`", Case.Sensitive, $"docs/api.md, \"Conditions and reasons\", does not list {value}");
        }
    }

    private static List<string> Values(Type constants) =>
        constants.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
}
