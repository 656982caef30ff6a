using System.Net;
using System.Net.Http.Headers;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Tests.Sources;

/// <summary>The hub client's retries on a fake clock: which failures are retried, jittered backoff, Retry-After.</summary>
public sealed class HubClientRetryTests : IDisposable
{
    private static readonly byte[] Body = "{\"text\": \"hello\"}\n"u8.ToArray();
    private readonly TempDirectory _cache = new("posttrain-hubretry-");

    public void Dispose() => _cache.Dispose();

    private static HttpResponseMessage Status(HttpStatusCode status, TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent([]) };
        if (retryAfter is { } delta)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(delta);
        }

        return response;
    }

    private static HttpResponseMessage File(HttpRequestMessage _) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(Body) };

    private async Task<(Task<string> Download, IReadOnlyList<TimeSpan> Pauses, int Requests)> DownloadAsync(int attempts, params Func<HttpRequestMessage, HttpResponseMessage>[] script)
    {
        var time = new PauseRecordingTimeProvider();
        var handler = new ScriptedHttpHandler(script);
        using var client = new HubClient(
            new HubClientOptions { Endpoint = "http://hub.test", CacheDirectory = _cache.Path, MaxAttempts = attempts, RetryDelay = TimeSpan.FromSeconds(2), ForceDownload = true },
            new HttpClient(handler),
            ownsHttpClient: true,
            time);
        var download = client.DownloadAsync("org/data", HubRepoKind.Dataset, "main", "train.jsonl", CancellationToken.None);
        IReadOnlyList<TimeSpan> pauses;
        try
        {
            pauses = await time.RunPausesAsync(download);
        }
        catch (HubDownloadException)
        {
            pauses = [.. time.DueTimes.Where(d => d > TimeSpan.Zero)];
        }

        return (download, pauses, handler.Requests);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_jittered_exponential_backoff()
    {
        var (download, pauses, requests) = await DownloadAsync(4, _ => Status(HttpStatusCode.BadGateway), _ => Status(HttpStatusCode.InternalServerError), _ => Status(HttpStatusCode.RequestTimeout), File);

        (await System.IO.File.ReadAllBytesAsync(await download)).ShouldBe(Body);
        requests.ShouldBe(4);
        pauses.Count.ShouldBe(3);
        for (var n = 0; n < pauses.Count; n++)
        {
            // Polly's jitter: the n-th pause is random, above zero and below about 1.4 * 2^n of RetryDelay (2 s).
            pauses[n].ShouldBeGreaterThan(TimeSpan.Zero);
            pauses[n].ShouldBeLessThan(TimeSpan.FromSeconds(3 * Math.Pow(2, n)));
        }

        pauses.ShouldNotBe([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)], "the pauses are jittered");
    }

    [Fact]
    public async Task Too_many_requests_waits_the_hubs_Retry_After()
    {
        var (download, pauses, requests) = await DownloadAsync(3, _ => Status(HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(2)), File);

        (await System.IO.File.ReadAllBytesAsync(await download)).ShouldBe(Body);
        requests.ShouldBe(2);
        pauses.ShouldBe([TimeSpan.FromMinutes(2)]);
    }

    [Fact]
    public async Task A_missing_file_is_not_retried_and_exhausted_attempts_name_the_url()
    {
        var (missing, _, missingRequests) = await DownloadAsync(3, _ => Status(HttpStatusCode.NotFound));
        var notFound = await Should.ThrowAsync<HubDownloadException>(() => missing);
        notFound.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        notFound.Message.ShouldContain("http://hub.test/datasets/org/data/resolve/main/train.jsonl");
        missingRequests.ShouldBe(1);

        var (busy, _, busyRequests) = await DownloadAsync(2, _ => Status(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5)));
        var exhausted = await Should.ThrowAsync<HubDownloadException>(() => busy);
        exhausted.Message.ShouldStartWith("downloading 'train.jsonl' from dataset hf://org/data failed after 2 attempt(s) (http://hub.test/datasets/org/data/resolve/main/train.jsonl): 503 ServiceUnavailable");
        busyRequests.ShouldBe(2);
    }
}
