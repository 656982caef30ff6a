using Shouldly;
using Xunit;

namespace PostTrain.Shipping.Tests.Cluster;

/// <summary>
/// Invalid job manifests are refused by <c>kubectl apply</c> (kubectl 1.34, the test API server enforcing the CRDs'
/// schemas as kube-apiserver does) with the offending field named, and nothing is stored.
/// </summary>
public sealed class InvalidManifestTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync();
        (await _cluster.RunAsync("kubectl", "apply", "-f", Path.Combine(TestPaths.RepoRoot, "crds"))).EnsureSuccess("kubectl apply -f crds/");
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "wrong type", "training: {maxSteps: ten}", "spec.training.maxSteps: Invalid value: \"string\": spec.training.maxSteps in body must be of type integer: \"string\"" },
        { "negative count", "training: {maxSteps: -1}", "spec.training.maxSteps: Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1" },
        { "bad enum", "training: {precision: fp16}", "spec.training.precision: Unsupported value: \"fp16\": supported values: \"fp32\", \"bf16\"" },
        { "unknown field", "training: {maxStep: 10}", "strict decoding error: unknown field \"spec.training.maxStep\"" },
        { "CEL rule", "training: {warmupSteps: 10, warmupRatio: 0.1}", "spec.training: Invalid value: \"object\": set at most one of warmupSteps and warmupRatio" },
        { "missing required field", null!, "spec.dataset: Required value" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Kubectl_apply_refuses_it_naming_the_field(string what, string? training, string message)
    {
        var name = "bad-" + what.Replace(' ', '-').ToLowerInvariant();
        var dataset = training is null ? "" : "  dataset: {source: builtin://arithmetic}\n";
        var extra = training is null ? "" : $"  {training}\n";
        var file = Manifest(name, $"  model: {{source: builtin://tiny}}\n{dataset}{extra}");
        var result = await _cluster.RunAsync("kubectl", "apply", "-n", "default", "-f", file);
        result.ExitCode.ShouldNotBe(0, what);
        result.StandardError.ShouldContain(message, Case.Sensitive, what);
        (await _cluster.RunAsync("kubectl", "get", "-n", "default", "sftjob", name)).ExitCode.ShouldNotBe(0, "nothing is stored");
    }

    [Fact]
    public async Task A_transition_rule_refuses_a_change_to_an_immutable_field_and_keeps_the_stored_object()
    {
        var file = Manifest("immutable", "  model: {source: builtin://tiny}\n  dataset: {source: builtin://arithmetic}\n");
        (await _cluster.RunAsync("kubectl", "apply", "-n", "default", "-f", file)).EnsureSuccess("a valid job");
        var edited = Manifest("immutable", "  model: {source: hf://Qwen/Qwen2.5-0.5B}\n  dataset: {source: builtin://arithmetic}\n");
        var refused = await _cluster.RunAsync("kubectl", "apply", "-n", "default", "-f", edited);
        refused.ExitCode.ShouldNotBe(0);
        refused.StandardError.ShouldContain("spec.model: Invalid value: \"object\": model is immutable");
        var stored = (await _cluster.RunAsync("kubectl", "get", "-n", "default", "sftjob", "immutable", "-o", "jsonpath={.spec.model.source}")).EnsureSuccess("get");
        stored.StandardOutput.ShouldBe("builtin://tiny");
    }

    [Fact]
    public async Task Defaults_from_the_schema_are_filled_in_and_unknown_fields_are_pruned_when_validation_is_off()
    {
        var file = Manifest("defaults", "  model: {source: builtin://tiny}\n  dataset: {source: builtin://arithmetic}\n  training: {maxSteps: 5, notAField: 1}\n");
        var applied = await _cluster.RunAsync("kubectl", "apply", "--validate=false", "-n", "default", "-f", file);
        applied.EnsureSuccess("apply with validation off");
        var json = (await _cluster.RunAsync("kubectl", "get", "-n", "default", "sftjob", "defaults", "-o", "json")).EnsureSuccess("get").StandardOutput;
        var training = System.Text.Json.Nodes.JsonNode.Parse(json)!["spec"]!["training"]!;
        ((string?)training["precision"]).ShouldBe("bf16");
        ((string?)training["schedule"]).ShouldBe("cosine");
        training["notAField"].ShouldBeNull();
    }

    private string Manifest(string name, string spec)
    {
        var path = Path.Combine(Path.GetTempPath(), $"posttrain-invalid-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"apiVersion: posttrain.dev/v1alpha1\nkind: SftJob\nmetadata:\n  name: {name}\nspec:\n{spec}");
        return path;
    }
}
