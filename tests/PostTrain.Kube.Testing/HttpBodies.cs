using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PostTrain.Kube.Testing;

/// <summary>Reading request bodies and writing JSON responses as kube-apiserver does.</summary>
internal static class HttpBodies
{
    /// <summary>JSON as Go's encoder writes it: quotes, backticks and non-ASCII text left as they are.</summary>
    public static readonly JsonSerializerOptions Wire = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The request body as JSON; null when empty. Protobuf bodies (<c>application/vnd.kubernetes.protobuf</c>, what
    /// <c>kubectl create namespace|secret|configmap</c> and helm's release storage send) are decoded for the kinds
    /// listed in <see cref="Protobuf.KubernetesProtobuf.DecodedKinds"/>; other kinds get 415. A body that does not
    /// parse is a 400 naming the error.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="duplicates">Where the paths of fields a JSON body repeats go (the last value wins).</param>
    public static async Task<JsonNode?> ReadJsonAsync(HttpContext context, List<string>? duplicates = null)
    {
        if (Protobuf.KubernetesProtobuf.IsProtobuf(context.Request.ContentType))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            if (buffer.Length == 0)
            {
                return null;
            }

            try
            {
                return Protobuf.KubernetesProtobuf.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            }
            catch (NotSupportedException e)
            {
                throw new ApiStatusException(415, "UnsupportedMediaType", e.Message);
            }
            catch (InvalidDataException e)
            {
                throw ApiStatusException.BadRequest($"the request body is not a valid protobuf object: {e.Message}");
            }
        }

        using var bytes = new MemoryStream();
        await context.Request.Body.CopyToAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        var text = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        if (text.Trim(" \t\r\n"u8).IsEmpty)
        {
            return null;
        }

        try
        {
            var node = Validation.JsonBodyReader.Parse(text, out var repeated);
            duplicates?.AddRange(repeated);
            return node;
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The request body as a JSON object.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context, List<string>? duplicates = null) =>
        await ReadJsonAsync(context, duplicates).ConfigureAwait(false) as JsonObject ?? throw ApiStatusException.BadRequest("the request body must be a JSON object");

    /// <summary>Writes <paramref name="body"/> as the JSON response (nothing when the response already started).</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, JsonObject body, IReadOnlyList<string>? warnings = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        foreach (var warning in warnings ?? [])
        {
            context.Response.Headers.Append("Warning", Validation.WarningHeader.Format(warning));
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Wire), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Whether a query value says true ("true" or "1").</summary>
    public static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.FirstOrDefault() is { } v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));
}
