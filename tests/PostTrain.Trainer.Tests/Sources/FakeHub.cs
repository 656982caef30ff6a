using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PostTrain.Trainer.Tests.Sources;

/// <summary>
/// A tiny Hugging Face hub: serves resolve URLs and the file-listing API for the files a test registers, with the
/// hub's digest headers, Range support, optional token check, LFS-style redirect and a one-time mid-body cut.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    private readonly LocalHttpServer _server;

    public FakeHub()
    {
        _server = new LocalHttpServer(HandleAsync);
    }

    public string Endpoint => _server.BaseUrl;

    /// <summary>path "datasets/org/name/{revision}/file" or "org/name/{revision}/file" → content; a revision may hold '/' (refs/convert/parquet).</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new();

    /// <summary>Overrides of the announced sha256 (to force a mismatch).</summary>
    public ConcurrentDictionary<string, string> AnnouncedSha256 { get; } = new();

    public ConcurrentQueue<(string Path, string? Range, string? Authorization)> Requests { get; } = new();

    public string? RequiredToken { get; set; }

    /// <summary>When set, the next body of a file is cut after this many bytes (once).</summary>
    public int? CutNextBodyAfter { get; set; }

    /// <summary>When true, resolve answers 302 with X-Linked-Etag and the bytes come from /cdn/ (as the hub does for LFS files).</summary>
    public bool RedirectLikeLfs { get; set; }

    /// <summary>When true, only ETag with the git blob sha1 is sent (as for small non-LFS files).</summary>
    public bool GitBlobEtag { get; set; }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string GitBlobSha1(byte[] data) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        // Segments are unescaped one by one, so a revision such as refs%2Fconvert%2Fparquet stays one segment.
        var rawPath = request.RawUrl!.Split('?')[0].TrimStart('/');
        var segments = rawPath.Split('/').Select(Uri.UnescapeDataString).ToArray();
        var path = string.Join('/', segments);
        Requests.Enqueue((path, request.Headers["Range"], request.Headers["Authorization"]));
        if (RequiredToken is not null && request.Headers["Authorization"] != $"Bearer {RequiredToken}" && !path.StartsWith("cdn/", StringComparison.Ordinal))
        {
            response.StatusCode = 401;
            await WriteAsync(response, "{\"error\":\"Invalid credentials\"}");
            return;
        }

        if (path.StartsWith("api/", StringComparison.Ordinal))
        {
            // api/{models|datasets}/{org}/{name}/revision/{rev}
            var parts = segments;
            var kindPrefix = parts[1] == "datasets" ? "datasets/" : string.Empty;
            var key = $"{kindPrefix}{parts[2]}/{parts[3]}/{parts[5]}/";
            var siblings = Files.Keys.Where(k => k.StartsWith(key, StringComparison.Ordinal)).Select(k => new { rfilename = k[key.Length..] }).ToList();
            if (siblings.Count == 0)
            {
                response.StatusCode = 404;
                await WriteAsync(response, "{\"error\":\"Repository not found\"}");
                return;
            }

            await WriteAsync(response, JsonSerializer.Serialize(new { siblings }));
            return;
        }

        var cdn = path.StartsWith("cdn/", StringComparison.Ordinal);
        var fileKey = cdn ? path["cdn/".Length..] : ToFileKey(segments);
        if (fileKey is null || !Files.TryGetValue(fileKey, out var content))
        {
            response.StatusCode = 404;
            await WriteAsync(response, "{\"error\":\"Entry not found\"}");
            return;
        }

        var sha = AnnouncedSha256.TryGetValue(fileKey, out var announced) ? announced : Sha256(content);
        if (RedirectLikeLfs && !cdn)
        {
            response.StatusCode = 302;
            response.AddHeader("X-Linked-Etag", $"\"{sha}\"");
            response.AddHeader("ETag", "\"" + GitBlobSha1(Encoding.ASCII.GetBytes("pointer")) + "\"");
            response.RedirectLocation = "/cdn/" + fileKey;
            return;
        }

        if (!cdn)
        {
            response.AddHeader("ETag", GitBlobEtag ? $"\"{GitBlobSha1(content)}\"" : $"\"{sha}\"");
        }

        long start = 0;
        var range = request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                response.StatusCode = 416;
                response.AddHeader("Content-Range", $"bytes */{content.Length}");
                return;
            }

            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}");
        }

        var body = content.AsMemory((int)start);
        response.ContentLength64 = body.Length;
        if (CutNextBodyAfter is int cut)
        {
            CutNextBodyAfter = null;
            await response.OutputStream.WriteAsync(body[..cut]);
            await response.OutputStream.FlushAsync();
            response.Abort();
            throw new IOException("cut on purpose");
        }

        await response.OutputStream.WriteAsync(body);
    }

    private static string? ToFileKey(string[] parts)
    {
        // datasets/org/name/resolve/rev/file... or org/name/resolve/rev/file...
        var offset = parts[0] == "datasets" ? 1 : 0;
        if (parts.Length < offset + 5 || parts[offset + 2] != "resolve")
        {
            return null;
        }

        var prefix = offset == 1 ? "datasets/" : string.Empty;
        return $"{prefix}{parts[offset]}/{parts[offset + 1]}/{parts[offset + 3]}/{string.Join('/', parts.Skip(offset + 4))}";
    }

    private static async Task WriteAsync(HttpListenerResponse response, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
