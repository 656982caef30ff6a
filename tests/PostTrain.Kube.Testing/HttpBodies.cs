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

    /// <summary>The request body as JSON; null when empty. A body that is not JSON is a 400 naming the parse error.</summary>
    public static async Task<JsonNode?> ReadJsonAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The request body as a JSON object.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadJsonAsync(context).ConfigureAwait(false) as JsonObject ?? throw ApiStatusException.BadRequest("the request body must be a JSON object");

    /// <summary>Writes <paramref name="body"/> as the JSON response (nothing when the response already started).</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, JsonObject body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Wire), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Whether a query value says true ("true" or "1").</summary>
    public static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.FirstOrDefault() is { } v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));
}
