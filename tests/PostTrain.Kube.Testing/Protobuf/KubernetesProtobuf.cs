using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>
/// Decodes Kubernetes protobuf request bodies (<c>application/vnd.kubernetes.protobuf</c>, which kubectl's create
/// subcommands and client-go typed clients such as helm's release storage send) into the JSON object the same request
/// would carry as <c>application/json</c>. The body is the magic bytes <c>k8s\0</c> and a runtime.Unknown message
/// {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4} whose raw bytes are the
/// object's own message. Namespace, Secret, ConfigMap and ServiceAccount (core v1) and DeleteOptions (any group
/// version, as every group registers it) are decoded.
/// </summary>
public static class KubernetesProtobuf
{
    /// <summary>The media type of Kubernetes protobuf bodies.</summary>
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    /// <summary>The kinds decoded, as the message for any other kind names them.</summary>
    public const string DecodedKinds = "Namespace, Secret, ConfigMap, ServiceAccount and DeleteOptions";

    /// <summary>The four bytes every Kubernetes protobuf body starts with.</summary>
    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    private static readonly FrozenDictionary<string, ProtoMessage> CoreV1Kinds = new Dictionary<string, ProtoMessage>
    {
        ["Namespace"] = KubernetesProtoSchemas.Namespace,
        ["Secret"] = KubernetesProtoSchemas.Secret,
        ["ConfigMap"] = KubernetesProtoSchemas.ConfigMap,
        ["ServiceAccount"] = KubernetesProtoSchemas.ServiceAccount,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Whether a Content-Type header names the Kubernetes protobuf media type (parameters and case aside).
    /// </summary>
    /// <param name="contentType">The request's Content-Type header, or null when it has none.</param>
    public static bool IsProtobuf(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Decodes a protobuf request body into the object as Kubernetes JSON: apiVersion and kind from the typeMeta,
    /// the fields under their JSON names, fields the JSON API would omit left out, bytes as base64 and times as
    /// RFC 3339. Field numbers this decoder does not know are skipped.
    /// </summary>
    /// <param name="body">The whole request body, starting with <c>k8s\0</c>.</param>
    /// <returns>A new JSON object.</returns>
    /// <exception cref="InvalidDataException">
    /// The body lacks the magic bytes, a kind or an apiVersion, is truncated, or is otherwise not valid protobuf for its kind.
    /// </exception>
    /// <exception cref="NotSupportedException">
    /// The body holds a kind this decoder does not read (the message names it and says to send JSON), or its raw
    /// bytes are compressed or in another content type.
    /// </exception>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw new InvalidDataException("not a Kubernetes protobuf body: it does not start with the bytes \"k8s\\0\"");
        }

        var unknown = RuntimeUnknown.Read(body[Magic.Length..]);
        if (unknown.Kind.Length == 0 || unknown.ApiVersion.Length == 0)
        {
            throw new InvalidDataException($"Kubernetes protobuf body has no {(unknown.Kind.Length == 0 ? "kind" : "apiVersion")} in its typeMeta");
        }

        var message = MessageFor(unknown.ApiVersion, unknown.Kind);
        if (unknown.ContentEncoding.Length != 0)
        {
            throw new NotSupportedException($"protobuf bodies with contentEncoding \"{unknown.ContentEncoding}\" are not decoded; send application/json for {unknown.Kind}");
        }

        if (unknown.ContentType.Length != 0 && !IsProtobuf(unknown.ContentType))
        {
            throw new NotSupportedException($"protobuf bodies whose raw object is {unknown.ContentType} are not decoded; send application/json for {unknown.Kind}");
        }

        var obj = new JsonObject { ["apiVersion"] = unknown.ApiVersion, ["kind"] = unknown.Kind };
        ProtoJsonDecoder.DecodeInto(unknown.Raw, message, obj);

        return obj;
    }

    private static ProtoMessage MessageFor(string apiVersion, string kind)
    {
        if (kind == "DeleteOptions")
        {
            return KubernetesProtoSchemas.DeleteOptions;
        }

        if (CoreV1Kinds.TryGetValue(kind, out var message))
        {
            if (apiVersion == "v1")
            {
                return message;
            }

            throw new NotSupportedException($"protobuf bodies are decoded for {DecodedKinds}; send application/json for {kind} in {apiVersion}");
        }

        throw new NotSupportedException($"protobuf bodies are decoded for {DecodedKinds}; send application/json for {kind}");
    }
}
