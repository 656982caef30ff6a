using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Yaml;
using YamlDotNet.Core;
using ApiReward = PostTrain.Api.Rlvr.RewardSpec;

namespace PostTrain.Worker.Running;

/// <summary>
/// Reads a file holding an RlvrJob's <c>reward</c> list exactly as in its spec (YAML or JSON; a top-level
/// <c>reward:</c> key is accepted too), validated by the same rules as a manifest, errors at the file's own lines.
/// </summary>
public static class RewardSpecFile
{
    /// <summary>Loads the rewards of <paramref name="path"/>.</summary>
    /// <exception cref="ManifestException">The file is not a valid reward list; every error names its line and field.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static IReadOnlyList<ApiReward> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses reward-list text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ManifestException">The text is not a valid reward list.</exception>
    public static IReadOnlyList<ApiReward> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        IReadOnlyList<YamlJsonDocument> documents;
        try
        {
            documents = YamlJsonReader.ReadAll(text);
        }
        catch (YamlException e)
        {
            throw new ManifestException([new ManifestError(source, -1, e.Start.Line, e.Start.Column, "", $"not valid YAML: {e.Message}")]);
        }

        if (documents.Count != 1)
        {
            throw new ManifestException([new ManifestError(source, -1, 0, 0, "", $"expected one document holding a list of rewards, found {documents.Count}")]);
        }

        var document = documents[0];
        var (list, prefix) = document.Root switch
        {
            JsonArray array => (array, string.Empty),
            JsonObject { Count: 1 } o when o["reward"] is JsonArray array => (array, "reward"),
            _ => throw new ManifestException([new ManifestError(source, 0, document.Start.Line, document.Start.Column, "", "expected a list of rewards, as in an RlvrJob's spec.reward (e.g. \"- type: code\")")]),
        };

        // Validated as the reward list of an otherwise minimal RlvrJob, so that every rule of a manifest applies.
        var job = new JsonObject
        {
            ["apiVersion"] = "posttrain.dev/v1alpha1",
            ["kind"] = "RlvrJob",
            ["metadata"] = new JsonObject { ["name"] = "reward" },
            ["spec"] = new JsonObject
            {
                ["model"] = new JsonObject { ["source"] = "builtin://tiny" },
                ["dataset"] = new JsonObject { ["source"] = "builtin://arithmetic" },
                ["reward"] = list.DeepClone(),
            },
        };
        var result = JobManifestLoader.TryLoad(job.ToJsonString(), source);
        if (result.Errors.Count > 0)
        {
            throw new ManifestException([.. result.Errors.Select(e =>
            {
                var path = e.Path.StartsWith("spec.reward", StringComparison.Ordinal) ? prefix + e.Path["spec.reward".Length..] : e.Path;
                var mark = document.PositionOf(path);
                return new ManifestError(source, 0, mark.Line, mark.Column, path.Length > 0 ? path : "(the list)", e.Message);
            })]);
        }

        return ((RlvrJob)result.Jobs[0]).Spec.Reward;
    }
}
