using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>A document's bytes and their hash (SHA-512, upper-case hex, as kube-apiserver computes ETags).</summary>
internal sealed record SerializedDocument(byte[] Bytes, string Hash)
{
    /// <summary>Serializes a document as JSON.</summary>
    public static SerializedDocument Of(JsonNode document) => Of(Encoding.UTF8.GetBytes(document.ToJsonString()));

    /// <summary>A document already encoded.</summary>
    public static SerializedDocument Of(byte[] bytes) => new(bytes, Convert.ToHexString(SHA512.HashData(bytes)));
}
