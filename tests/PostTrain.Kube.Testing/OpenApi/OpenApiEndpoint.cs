using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// Serves /openapi/v2, /openapi/v3 and /openapi/v3/&lt;group-version&gt; as kube-apiserver does. /openapi/v2 comes
/// as JSON or as the protobuf client-go asks for; the v3 documents as JSON only (kubectl and helm ask for JSON),
/// so a v3 request that accepts only protobuf gets 406 Not Acceptable. Documents carry an ETag (their SHA-512)
/// and honor If-None-Match; a group-version request whose hash is current may be cached for good, one whose
/// hash is stale is redirected to the current URL.
/// </summary>
internal sealed class OpenApiEndpoint(ObjectStore store)
{
    private const string ProtobufV2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
    private const string ProtobufV2Deprecated = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    private readonly OpenApiDocuments _documents = new(store);

    /// <summary>GET /openapi/v2: the Swagger 2.0 document, in the first encoding the Accept header admits.</summary>
    public Task ServeV2Async(HttpContext context)
    {
        RequireGet(context);
        context.Response.Headers.Vary = HeaderNames.Accept;
        foreach (var media in AcceptedMedia(context.Request))
        {
            if (IsJson(media))
            {
                return WriteAsync(context, _documents.Current().V2, "application/json");
            }

            if (media is ProtobufV2 or ProtobufV2Deprecated)
            {
                return WriteAsync(context, _documents.Current().V2Protobuf, ProtobufV2);
            }
        }

        return NotAcceptableAsync(context);
    }

    /// <summary>GET /openapi/v3: the discovery document naming each group version's document URL.</summary>
    public Task ServeDiscoveryAsync(HttpContext context)
    {
        RequireGet(context);
        return WriteAsync(context, _documents.Current().Discovery, "application/json");
    }

    /// <summary>GET /openapi/v3/api/v1 or /openapi/v3/apis/&lt;group&gt;/&lt;version&gt;.</summary>
    public Task ServeGroupVersionAsync(HttpContext context, string groupVersionPath)
    {
        RequireGet(context);
        var snapshot = _documents.Current();
        if (!snapshot.GroupVersions.TryGetValue(groupVersionPath, out var document))
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource (OpenAPI document {groupVersionPath})");
        }

        context.Response.Headers.Vary = HeaderNames.Accept;
        if (!AcceptedMedia(context.Request).Any(IsJson))
        {
            return NotAcceptableAsync(context);
        }

        if (context.Request.Query["hash"].FirstOrDefault() is { Length: > 0 } hash)
        {
            if (hash != document.Hash)
            {
                context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
                context.Response.Headers.Location = OpenApiSnapshot.ServerRelativeUrl(groupVersionPath, document.Hash);
                return Task.CompletedTask;
            }

            context.Response.Headers.CacheControl = "public, immutable";
            context.Response.Headers.Expires = DateTimeOffset.UtcNow.AddYears(1).ToString("R", CultureInfo.InvariantCulture);
        }

        return WriteAsync(context, document, "application/json");
    }

    private static void RequireGet(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            throw new ApiStatusException(405, "MethodNotAllowed", $"{context.Request.Method} is not supported on {context.Request.Path}");
        }
    }

    /// <summary>The media types of the Accept header in order (no header accepts anything).</summary>
    private static IEnumerable<string> AcceptedMedia(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return string.IsNullOrWhiteSpace(accept)
            ? ["*/*"]
            : accept.Split(',').Select(clause => clause.Split(';')[0].Trim().ToLowerInvariant()).Where(m => m.Length > 0);
    }

    private static bool IsJson(string media) => media is "application/json" or "application/*" or "*/*" or "*";

    private static async Task NotAcceptableAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status406NotAcceptable;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync("acceptable here: application/json, and for /openapi/v2 also application/com.github.proto-openapi.spec.v2.v1.0+protobuf", context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext context, SerializedDocument document, string contentType)
    {
        var etag = $"\"{document.Hash}\"";
        context.Response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(e => e.Trim() == etag || e.Trim() == "*")))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = document.Bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(document.Bytes, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
