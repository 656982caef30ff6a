using System.Text.Json.Nodes;
using PostTrain.Api.Yaml;

namespace PostTrain.Shipping.Tests.Helm;

/// <summary>The objects of a <c>helm template</c> output, as JSON trees.</summary>
public sealed class RenderedChart
{
    private RenderedChart(IReadOnlyList<JsonObject> objects) => Objects = objects;

    /// <summary>Every rendered object, in helm's order.</summary>
    public IReadOnlyList<JsonObject> Objects { get; }

    /// <summary>Renders the chart with values files from tests/…/values and --set pairs; fails with helm's message.</summary>
    public static async Task<RenderedChart> RenderAsync(IEnumerable<string>? valuesFiles = null, IEnumerable<string>? sets = null)
    {
        var files = (valuesFiles ?? []).Select(ValuesFile).ToList();
        var result = (await HelmRunner.TemplateAsync(files, sets)).EnsureSuccess("template " + string.Join(' ', files));
        return Parse(result.StandardOutput);
    }

    /// <summary>The path of a values file kept beside the tests.</summary>
    public static string ValuesFile(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Shipping.Tests", "values", name);

    /// <summary>Parses multi-document YAML; empty documents are skipped.</summary>
    public static RenderedChart Parse(string yaml) =>
        new(YamlJsonReader.ReadAll(yaml).Select(d => d.Root).OfType<JsonObject>().ToList());

    /// <summary>Objects of one kind.</summary>
    public IReadOnlyList<JsonObject> OfKind(string kind) =>
        Objects.Where(o => (string?)o["kind"] == kind).ToList();

    /// <summary>The one object of a kind (fails when there are none or several).</summary>
    public JsonObject Single(string kind)
    {
        var all = OfKind(kind);
        all.Count.ShouldBe(1, $"exactly one {kind} rendered");
        return all[0];
    }

    /// <summary>Every pod template (Deployments) and pod spec rendered, with the owner's name.</summary>
    public IEnumerable<(string Owner, JsonObject PodSpec)> PodSpecs() =>
        OfKind("Deployment").Select(d => ((string)d["metadata"]!["name"]!, d["spec"]!["template"]!["spec"]!.AsObject()));
}
