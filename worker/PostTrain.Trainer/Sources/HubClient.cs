using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;
using PostTrain.Trainer.Http;

namespace PostTrain.Trainer.Sources;

/// <summary>
/// Downloads files from a Hugging Face hub (or a mirror at <c>HF_ENDPOINT</c>) into a local cache, through the hub's
/// <c>resolve</c> URLs. Downloads resume from a <c>.partial</c> file with an HTTP Range request, are checked against the
/// digest the hub announces (<c>X-Linked-Etag</c> or <c>ETag</c>: sha256 for LFS files, the git blob sha1 otherwise), and are
/// renamed into place only when complete, so a reader never sees half a file.
/// </summary>
public sealed class HubClient : IDisposable
{
    private const int MaxRedirects = 8;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _endpoint;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;

    /// <summary>Creates a client with its own <see cref="HttpClient"/> (redirects followed by the client, so the hub's digest headers are seen).</summary>
    public HubClient(HubClientOptions options)
        : this(options, new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None }), ownsHttpClient: true)
    {
    }

    /// <summary>Creates a client over a caller's <see cref="HttpClient"/>; give it a handler with <c>AllowAutoRedirect = false</c> to see digests of redirected files.</summary>
    /// <param name="options">Where the hub is and how hard to try it.</param>
    /// <param name="httpClient">The client the requests go through.</param>
    /// <param name="ownsHttpClient">Whether <see cref="Dispose"/> disposes <paramref name="httpClient"/>.</param>
    /// <param name="timeProvider">The clock of the pauses between attempts (and of Retry-After dates); <see cref="TimeProvider.System"/> when null.</param>
    public HubClient(HubClientOptions options, HttpClient httpClient, bool ownsHttpClient = false, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        if (!Uri.TryCreate(options.Endpoint.TrimEnd('/') + "/", UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"hub endpoint '{options.Endpoint}' (HF_ENDPOINT) is not an absolute http(s) URL", nameof(options));
        }

        if (options.MaxAttempts < 1)
        {
            throw new ArgumentException($"MaxAttempts must be at least 1, got {options.MaxAttempts}", nameof(options));
        }

        Options = options;
        _endpoint = endpoint;
        _http = httpClient;
        _ownsHttp = ownsHttpClient;
        _time = timeProvider ?? TimeProvider.System;
        _retry = BuildRetry(options, _time);
    }

    /// <summary>The options this client was made with.</summary>
    public HubClientOptions Options { get; }

    /// <summary>The <c>resolve</c> URL of one file.</summary>
    public Uri ResolveUrl(HubRepository repository, string file)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var prefix = repository.Kind == HubRepoKind.Dataset ? "datasets/" : string.Empty;
        var path = $"{prefix}{EscapePath(repository.Id)}/resolve/{Uri.EscapeDataString(repository.Revision)}/{EscapePath(file)}";
        return new Uri(_endpoint, path);
    }

    /// <summary>The local path a file of a repository is cached at (whether or not it is there yet).</summary>
    public string CachePath(HubRepository repository, string file)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return Path.Combine(SnapshotDirectory(repository), CheckRelativeFile(file).Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>The cache folder holding a repository's files at one revision.</summary>
    public string SnapshotDirectory(HubRepository repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var kindDir = repository.Kind == HubRepoKind.Dataset ? "datasets" : "models";
        return Path.Combine(Options.CacheDirectory, "hub", kindDir, repository.CacheName, repository.Revision.Replace('/', '_'));
    }

    /// <summary>Downloads one file (or finds it in the cache) and returns its local path.</summary>
    public Task<string> DownloadAsync(string repo, HubRepoKind kind, string revision, string file, CancellationToken cancellationToken) =>
        DownloadAsync(new HubRepository(repo, kind, revision), file, cancellationToken);

    /// <summary>Downloads one file (or finds it in the cache) and returns its local path.</summary>
    public async Task<string> DownloadAsync(HubRepository repository, string file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        repository.Validate();
        var target = CachePath(repository, file);
        if (!Options.ForceDownload && File.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var url = ResolveUrl(repository, file);
        try
        {
            await _retry.ExecuteAsync(
                static (state, token) => new ValueTask(state.Self.DownloadOnceAsync(state.repository, state.file, state.url, state.target, token)),
                (Self: this, repository, file, url, target),
                cancellationToken).ConfigureAwait(false);
            return target;
        }
        catch (Exception e) when (IsRetried(e, cancellationToken))
        {
            throw new HubDownloadException(
                $"downloading '{file}' from {repository.Kind.ToString().ToLowerInvariant()} {repository} failed after {Options.MaxAttempts} attempt(s) ({url}): {e.Message}; " +
                "the partial file is kept and the next attempt resumes it", e);
        }
    }

    /// <summary>Lists a repository's files at a revision through <c>{endpoint}/api/{models|datasets}/{repo}/revision/{revision}</c> (<c>siblings[].rfilename</c>).</summary>
    public async Task<IReadOnlyList<string>> ListFilesAsync(HubRepository repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        repository.Validate();
        var kindDir = repository.Kind == HubRepoKind.Dataset ? "datasets" : "models";
        var url = new Uri(_endpoint, $"api/{kindDir}/{EscapePath(repository.Id)}/revision/{Uri.EscapeDataString(repository.Revision)}");
        using var response = await SendAsync(url, rangeStart: 0, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw StatusError(response.Message, repository, "(file listing)", url);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!doc.RootElement.TryGetProperty("siblings", out var siblings) || siblings.ValueKind != JsonValueKind.Array)
        {
            throw new HubDownloadException($"the hub's answer for {repository} at {url} has no 'siblings' array");
        }

        var files = new List<string>();
        foreach (var sibling in siblings.EnumerateArray())
        {
            if (sibling.TryGetProperty("rfilename", out var name) && name.ValueKind == JsonValueKind.String)
            {
                files.Add(name.GetString()!);
            }
        }

        return files;
    }

    /// <summary>Downloads a repository's files matching <paramref name="filePatterns"/> (all files when null) and returns the snapshot folder.</summary>
    public Task<string> DownloadSnapshotAsync(string repo, HubRepoKind kind, string revision, IReadOnlyCollection<string>? filePatterns, CancellationToken cancellationToken = default) =>
        DownloadSnapshotAsync(new HubRepository(repo, kind, revision), filePatterns, cancellationToken);

    /// <summary>Downloads a repository's files matching <paramref name="filePatterns"/> (all files when null) and returns the snapshot folder.</summary>
    public async Task<string> DownloadSnapshotAsync(HubRepository repository, IReadOnlyCollection<string>? filePatterns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var files = await ListFilesAsync(repository, cancellationToken).ConfigureAwait(false);
        var selected = files.Where(f => FilePattern.IsMatchAny(f, filePatterns)).ToList();
        if (selected.Count == 0)
        {
            var patterns = filePatterns is null ? "*" : string.Join(", ", filePatterns);
            throw new HubDownloadException(
                $"{repository.Kind.ToString().ToLowerInvariant()} {repository} has no file matching [{patterns}]; it holds: {string.Join(", ", files.Take(20))}{(files.Count > 20 ? ", ..." : string.Empty)}");
        }

        foreach (var file in selected)
        {
            await DownloadAsync(repository, file, cancellationToken).ConfigureAwait(false);
        }

        return SnapshotDirectory(repository);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>
    /// Whether a failed download attempt is tried again: hub errors that may pass (no status, 408, 429, 5xx; never a checksum
    /// mismatch), connection and I/O errors, and time-outs that are not the caller's cancellation.
    /// </summary>
    private static bool IsRetried(Exception e, CancellationToken cancellationToken) => e switch
    {
        HubChecksumException => false,
        HubDownloadException hub => hub.StatusCode is null || (int)hub.StatusCode.Value >= 500 || hub.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        HttpRequestException or IOException => true,
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>
    /// Retries (Polly) a file download while <see cref="IsRetried"/> holds, at most <see cref="HubClientOptions.MaxAttempts"/>
    /// attempts in all, with exponential backoff and jitter from <see cref="HubClientOptions.RetryDelay"/>, or after the hub's
    /// Retry-After when it sends one.
    /// </summary>
    private static ResiliencePipeline BuildRetry(HubClientOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsRetried(e, args.Context.CancellationToken)),
                DelayGenerator = static args => ValueTask.FromResult((args.Outcome.Exception as HubDownloadException)?.RetryAfter),
            });
        }

        return builder.Build();
    }

    private async Task DownloadOnceAsync(HubRepository repository, string file, Uri url, string target, CancellationToken cancellationToken)
    {
        var partial = target + ".partial";
        var existing = File.Exists(partial) ? new FileInfo(partial).Length : 0L;
        using var response = await SendAsync(url, existing, cancellationToken).ConfigureAwait(false);
        var expectedDigest = response.ExpectedDigest;

        if (response.Message.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
        {
            // The partial file already holds every byte (or more than the file has): verify it, or start over.
            var total = response.Message.Content.Headers.ContentRange?.Length;
            if (total == existing)
            {
                await VerifyAndCommitAsync(repository, file, url, partial, target, expectedDigest, cancellationToken).ConfigureAwait(false);
                return;
            }

            File.Delete(partial);
            throw new HubDownloadException($"the partial download of '{file}' ({existing} bytes) does not fit the file on the hub ({url}); it was deleted and the download restarts");
        }

        if (!response.Message.IsSuccessStatusCode)
        {
            throw StatusError(response.Message, repository, file, url);
        }

        var append = response.Message.StatusCode == HttpStatusCode.PartialContent && existing > 0;
        if (append && response.Message.Content.Headers.ContentRange?.From is long from && from != existing)
        {
            File.Delete(partial);
            throw new HubDownloadException($"the hub answered range {from}- to a request for {existing}- for '{file}' ({url}); the partial file was deleted");
        }

        long? expectedLength = append
            ? response.Message.Content.Headers.ContentRange?.Length
            : response.Message.Content.Headers.ContentLength;

        await using (var output = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await using var body = await response.Message.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await body.CopyToAsync(output, 1 << 16, cancellationToken).ConfigureAwait(false);
        }

        var length = new FileInfo(partial).Length;
        if (expectedLength is long want && length != want)
        {
            throw new HubDownloadException($"downloaded {length} of {want} bytes of '{file}' ({url}); the partial file is kept for resuming");
        }

        await VerifyAndCommitAsync(repository, file, url, partial, target, expectedDigest, cancellationToken).ConfigureAwait(false);
    }

    private static async Task VerifyAndCommitAsync(HubRepository repository, string file, Uri url, string partial, string target, string? expectedDigest, CancellationToken cancellationToken)
    {
        if (expectedDigest is not null)
        {
            var actual = await ComputeDigestAsync(partial, expectedDigest.Length, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(actual, expectedDigest, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                var algorithm = expectedDigest.Length == 64 ? "sha256" : "git blob sha1";
                throw new HubChecksumException(
                    $"checksum mismatch for '{file}' of {repository} ({url}): the hub announced {algorithm} {expectedDigest}, the downloaded file has {actual}; the download was discarded");
            }
        }

        File.Move(partial, target, overwrite: true);
    }

    /// <summary>sha256 of the file (64 hex digits), or git's blob sha1 (40 hex digits) — whichever the announced digest is.</summary>
    internal static async Task<string> ComputeDigestAsync(string path, int hexLength, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        if (hexLength == 64)
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }

        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            sha1.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>The digest a response announces: <c>X-Linked-Etag</c> first (the LFS sha256 on the hub's redirect), then <c>ETag</c>; only 64- or 40-hex-digit values count.</summary>
    internal static string? DigestFrom(HttpResponseMessage response)
    {
        foreach (var name in new[] { "X-Linked-Etag", "ETag" })
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                var value = values.First().Trim();
                if (value.StartsWith("W/", StringComparison.Ordinal))
                {
                    value = value[2..];
                }

                value = value.Trim('"');
                if ((value.Length == 64 || value.Length == 40) && value.All(char.IsAsciiHexDigit))
                {
                    return value.ToLowerInvariant();
                }
            }
        }

        return null;
    }

    private async Task<ResolvedResponse> SendAsync(Uri url, long rangeStart, CancellationToken cancellationToken)
    {
        string? digest = null;
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            if (Options.Token is not null && string.Equals(current.Host, _endpoint.Host, StringComparison.OrdinalIgnoreCase) && current.Port == _endpoint.Port)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Options.Token);
            }

            if (rangeStart > 0)
            {
                request.Headers.Range = new RangeHeaderValue(rangeStart, null);
            }

            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            digest ??= DigestFrom(response);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new HubDownloadException($"too many redirects fetching {url}");
                }

                current = location.IsAbsoluteUri ? location : new Uri(current, location);
                continue;
            }

            return new ResolvedResponse(response, digest);
        }
    }

    private HubDownloadException StatusError(HttpResponseMessage response, HubRepository repository, string file, Uri url)
    {
        var status = response.StatusCode;
        var what = $"'{file}' of {repository.Kind.ToString().ToLowerInvariant()} {repository.Id} at revision '{repository.Revision}'";
        var hint = status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                "the repository is private or gated: set HF_TOKEN to a token that has access to it (and accept its terms on the hub)",
            HttpStatusCode.NotFound =>
                "check the repository id, the revision and the file name (and that it is a " + repository.Kind.ToString().ToLowerInvariant() + " repository)",
            _ => "the hub or the mirror at HF_ENDPOINT failed",
        };
        return new HubDownloadException($"{(int)status} {status} for {what} ({url}): {hint}", status) { RetryAfter = RetryAfter.From(response, _time) };
    }

    private static string EscapePath(string path) =>
        string.Join('/', CheckRelativeFile(path).Split('/').Select(Uri.EscapeDataString));

    private static string CheckRelativeFile(string file)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        if (file.StartsWith('/') || file.Split('/').Any(p => p is ".." or "." or ""))
        {
            throw new ArgumentException($"hub file name '{file}' must be a relative path without '.', '..' or empty segments");
        }

        return file;
    }

    private sealed class ResolvedResponse(HttpResponseMessage message, string? digest) : IDisposable
    {
        public HttpResponseMessage Message { get; } = message;

        public string? ExpectedDigest { get; } = digest;

        public HttpStatusCode StatusCode => Message.StatusCode;

        public bool IsSuccessStatusCode => Message.IsSuccessStatusCode;

        public HttpContent Content => Message.Content;

        public void Dispose() => Message.Dispose();
    }
}
