using System.Text.Json.Nodes;
using PostTrain.Api.Yaml;

namespace PostTrain.Api.Tests;

/// <summary>Paths of the sample manifests and of the generated CRDs in the repository.</summary>
internal static class TestManifests
{
    public static string Directory => Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Api.Tests", "manifests");

    public static string CrdDirectory => Path.Combine(TestPaths.RepoRoot, "crds");

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static string Read(string name) => File.ReadAllText(PathOf(name));

    /// <summary>The CRD on disk for a kind type, parsed.</summary>
    public static JsonObject LoadCrd(Type kindType) =>
        YamlJsonReader.ReadAll(File.ReadAllText(Path.Combine(CrdDirectory, CrdGenerator.FileName(kindType))))[0].Root!.AsObject();

    public static JsonObject OpenApiSchema(JsonObject crd) =>
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
}
