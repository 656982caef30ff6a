using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>The OpenAPI documents for one state of the served resources, serialized once.</summary>
internal sealed class OpenApiSnapshot
{
    private readonly Lazy<(SerializedDocument Json, SerializedDocument Protobuf)> _v2;

    /// <summary>Serializes the group-version documents and the discovery document that points at them.</summary>
    public OpenApiSnapshot(string fingerprint, IReadOnlyDictionary<string, JsonObject> groupVersions)
    {
        Fingerprint = fingerprint;
        GroupVersions = groupVersions.ToDictionary(g => g.Key, g => SerializedDocument.Of(g.Value), StringComparer.Ordinal);
        var paths = new JsonObject();
        foreach (var (path, document) in GroupVersions.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = ServerRelativeUrl(path, document.Hash) };
        }

        Discovery = SerializedDocument.Of(new JsonObject { ["paths"] = paths });
        _v2 = new(() =>
        {
            var swagger = SwaggerConversion.Build(groupVersions.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Value));
            return (SerializedDocument.Of(swagger), SerializedDocument.Of(SwaggerProtobuf.Encode(swagger)));
        });
    }

    /// <summary>What the documents were built from (resources and CRD versions).</summary>
    public string Fingerprint { get; }

    /// <summary>The OpenAPI 3.0 documents by "api/v1" / "apis/&lt;group&gt;/&lt;version&gt;".</summary>
    public IReadOnlyDictionary<string, SerializedDocument> GroupVersions { get; }

    /// <summary>The /openapi/v3 discovery document.</summary>
    public SerializedDocument Discovery { get; }

    /// <summary>The Swagger 2.0 document, built on first use.</summary>
    public SerializedDocument V2 => _v2.Value.Json;

    /// <summary>The Swagger 2.0 document in gnostic's protobuf encoding, built on first use.</summary>
    public SerializedDocument V2Protobuf => _v2.Value.Protobuf;

    /// <summary>The URL the discovery document gives for a group version: its path with the document's hash.</summary>
    public static string ServerRelativeUrl(string groupVersionPath, string hash) => $"/openapi/v3/{groupVersionPath}?hash={hash}";
}
