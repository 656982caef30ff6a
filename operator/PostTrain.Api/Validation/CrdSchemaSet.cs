using System.Text.Json.Nodes;
using PostTrain.Api.Loading;
using PostTrain.Api.Yaml;
using YamlDotNet.Core;

namespace PostTrain.Api.Validation;

/// <summary>
/// The openAPIV3Schemas of CRD files, by apiVersion and kind: checks manifests (examples/, Helm output) against the
/// CRDs as they are on disk, independently of the C# types they were generated from.
/// </summary>
public sealed class CrdSchemaSet
{
    private readonly Dictionary<(string ApiVersion, string Kind), JsonObject> _schemas;

    private CrdSchemaSet(Dictionary<(string ApiVersion, string Kind), JsonObject> schemas) => _schemas = schemas;

    /// <summary>The apiVersion/kind pairs known, e.g. (posttrain.dev/v1alpha1, SftJob).</summary>
    public IEnumerable<(string ApiVersion, string Kind)> Kinds => _schemas.Keys;

    /// <summary>Reads every CustomResourceDefinition in the *.yaml files of <paramref name="directory"/>.</summary>
    /// <param name="directory">A folder such as crds/.</param>
    /// <returns>The schemas of every served version of every CRD found.</returns>
    /// <exception cref="ManifestException">A file is not valid YAML or a CRD lacks a schema.</exception>
    public static CrdSchemaSet Load(string directory)
    {
        var schemas = new Dictionary<(string, string), JsonObject>();
        foreach (var path in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            IReadOnlyList<YamlJsonDocument> documents;
            try
            {
                documents = YamlJsonReader.ReadAll(File.ReadAllText(path));
            }
            catch (YamlException e)
            {
                throw new ManifestException([new ManifestError(path, -1, e.Start.Line, e.Start.Column, "", $"not valid YAML: {e.Message}")]);
            }

            foreach (var document in documents)
            {
                if (document.Root is not JsonObject crd || Text(crd["kind"]) != "CustomResourceDefinition")
                {
                    continue;
                }

                var group = Text(crd["spec"]?["group"]);
                var kind = Text(crd["spec"]?["names"]?["kind"]);
                foreach (var version in crd["spec"]?["versions"] as JsonArray ?? [])
                {
                    if (version?["schema"]?["openAPIV3Schema"] is not JsonObject schema)
                    {
                        throw new ManifestException([new ManifestError(path, document.Index, 0, 0, "spec.versions", $"{kind}: a version has no schema.openAPIV3Schema")]);
                    }

                    schemas[($"{group}/{Text(version["name"])}", kind ?? "")] = schema;
                }
            }
        }

        return new CrdSchemaSet(schemas);
    }

    /// <summary>The schema of a kind, or null when no CRD defines it.</summary>
    /// <param name="apiVersion">E.g. posttrain.dev/v1alpha1.</param>
    /// <param name="kind">E.g. SftJob.</param>
    /// <returns>The openAPIV3Schema, or null.</returns>
    public JsonObject? SchemaFor(string apiVersion, string kind) => _schemas.GetValueOrDefault((apiVersion, kind));

    /// <summary>
    /// Checks every document of a manifest whose apiVersion/kind one of the CRDs defines; other documents
    /// (Namespaces, Secrets, ...) are skipped.
    /// </summary>
    /// <param name="text">The manifest, YAML or JSON.</param>
    /// <param name="source">The name errors are reported under.</param>
    /// <param name="checked">How many documents were checked.</param>
    /// <returns>Every error, with line, column and field path.</returns>
    public IReadOnlyList<ManifestError> Validate(string text, string source, out int @checked)
    {
        @checked = 0;
        IReadOnlyList<YamlJsonDocument> documents;
        try
        {
            documents = YamlJsonReader.ReadAll(text);
        }
        catch (YamlException e)
        {
            return [new ManifestError(source, -1, e.Start.Line, e.Start.Column, "", $"not valid YAML: {e.Message}")];
        }

        var errors = new List<ManifestError>();
        foreach (var document in documents)
        {
            if (document.Root is not JsonObject root
                || SchemaFor(Text(root["apiVersion"]) ?? "", Text(root["kind"]) ?? "") is not { } schema)
            {
                continue;
            }

            @checked++;
            foreach (var error in StructuralSchemaValidator.Validate(root, schema))
            {
                var mark = document.PositionOf(error.Path);
                errors.Add(new ManifestError(source, document.Index, mark.Line, mark.Column, error.Path, error.Message));
            }
        }

        return errors;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
