using System.Net;
using System.Net.Http.Headers;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Trainer.Tests.Rewards;

/// <summary>The verifier's retries on a fake clock: jittered exponential backoff, and the verifier's Retry-After.</summary>
public sealed class HttpVerifierRetryTests
{
    private static readonly TimeSpan AttemptLimit = TimeSpan.FromHours(1);

    private static RewardInput Input => new("What is 2+2?", "#### 4", new Example { Id = "v1", Prompt = "What is 2+2?", ReferenceAnswer = "4" });

    private static HttpResponseMessage Busy(HttpRequestMessage _) => new(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("busy") };

    private static HttpResponseMessage Scored(HttpRequestMessage _) => new(HttpStatusCode.OK) { Content = new StringContent("{\"reward\": 1}") };

    private static async Task<(RewardResult Result, IReadOnlyList<TimeSpan> Pauses, int Requests)> ScoreAsync(int attempts, params Func<HttpRequestMessage, HttpResponseMessage>[] script)
    {
        var time = new PauseRecordingTimeProvider();
        var handler = new ScriptedHttpHandler(script);
        using var http = new HttpClient(handler);
        var reward = new HttpVerifierReward(
            new HttpVerifierOptions { Url = new Uri("http://verifier.test/score"), MaxAttempts = attempts, InitialBackoff = TimeSpan.FromSeconds(1), Timeout = AttemptLimit },
            http,
            time);
        var scoring = reward.ScoreAsync(Input, CancellationToken.None).AsTask();
        var pauses = await time.RunPausesAsync(scoring, d => d != AttemptLimit);
        return (await scoring, pauses, handler.Requests);
    }

    [Fact]
    public async Task Pauses_between_attempts_grow_exponentially_with_jitter()
    {
        var runs = new List<IReadOnlyList<TimeSpan>>();
        for (var i = 0; i < 5; i++)
        {
            var (result, pauses, requests) = await ScoreAsync(4, Busy, Busy, Busy, Scored);
            result.Score.ShouldBe(1);
            requests.ShouldBe(4);
            pauses.Count.ShouldBe(3);
            runs.Add(pauses);
        }

        // Polly's exponential backoff with jitter: the n-th pause is random, below about 1.4 * 2^n of the initial one.
        foreach (var pauses in runs)
        {
            for (var n = 0; n < pauses.Count; n++)
            {
                pauses[n].ShouldBeGreaterThan(TimeSpan.Zero);
                pauses[n].ShouldBeLessThan(TimeSpan.FromSeconds(1.5 * Math.Pow(2, n)));
            }
        }

        runs.Select(p => p[0]).Distinct().Count().ShouldBeGreaterThan(1, "the first pause is jittered, not the same each time");
        runs.Sum(p => p[2].TotalSeconds).ShouldBeGreaterThan(runs.Sum(p => p[0].TotalSeconds), "later pauses are longer on average");
    }

    [Fact]
    public async Task Retry_After_in_seconds_or_as_a_date_is_the_pause()
    {
        var (result, pauses, requests) = await ScoreAsync(
            3,
            _ => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(30)) } },
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UnixEpoch) } },
            Scored);

        result.Score.ShouldBe(1);
        requests.ShouldBe(3);
        // 30 s as asked; a date already past is no pause at all.
        pauses.ShouldBe([TimeSpan.FromSeconds(30)]);
    }

    [Fact]
    public async Task Exhausted_attempts_name_the_url_the_item_and_the_last_status()
    {
        var error = await Should.ThrowAsync<HttpVerifierException>(() => ScoreAsync(2, Busy));

        error.Message.ShouldBe("verifier http://verifier.test/score failed 2 attempt(s) for item 'v1'; last: 503 ServiceUnavailable: busy");
    }

    [Fact]
    public async Task A_time_out_that_is_not_the_callers_cancellation_is_retried_and_named()
    {
        var (result, _, requests) = await ScoreAsync(3, _ => throw new TaskCanceledException("the HttpClient's timeout", new TimeoutException()), Scored);
        result.Score.ShouldBe(1);
        requests.ShouldBe(2);

        var error = await Should.ThrowAsync<HttpVerifierException>(() => ScoreAsync(2, _ => throw new TaskCanceledException("the HttpClient's timeout", new TimeoutException())));
        error.Message.ShouldBe("verifier http://verifier.test/score failed 2 attempt(s) for item 'v1'; last: no answer within 3600 s");
    }

    [Fact]
    public async Task Cancelling_during_a_pause_stops_the_retries()
    {
        var time = new PauseRecordingTimeProvider();
        var handler = new ScriptedHttpHandler(Busy);
        using var http = new HttpClient(handler);
        var reward = new HttpVerifierReward(new HttpVerifierOptions { Url = new Uri("http://verifier.test/"), MaxAttempts = 5, Timeout = AttemptLimit }, http, time);
        using var cancel = new CancellationTokenSource();

        var scoring = reward.ScoreAsync(Input, cancel.Token).AsTask();
        await Eventually.TrueAsync(() => time.DueTimes.Any(d => d > TimeSpan.Zero && d != AttemptLimit && d != Timeout.InfiniteTimeSpan), "the first pause is armed");
        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => scoring);
        handler.Requests.ShouldBe(1);
    }
}
