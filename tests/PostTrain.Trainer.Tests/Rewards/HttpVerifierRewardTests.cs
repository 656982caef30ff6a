using System.Net;
using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Tests.Sources;

namespace PostTrain.Trainer.Tests.Rewards;

public sealed class HttpVerifierRewardTests : IAsyncLifetime
{
    private readonly List<string> _bodies = [];
    private LocalHttpServer _server = null!;
    private int _calls;

    public Task InitializeAsync()
    {
        _server = new LocalHttpServer(HandleAsync);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task HandleAsync(HttpListenerContext context)
    {
        var n = Interlocked.Increment(ref _calls);
        using (var reader = new StreamReader(context.Request.InputStream))
        {
            var body = await reader.ReadToEndAsync();
            lock (_bodies)
            {
                _bodies.Add(body);
            }
        }

        var path = context.Request.Url!.AbsolutePath;
        var (status, text) = path switch
        {
            "/flaky" when n <= 2 => (503, "busy"),
            "/flaky" => (200, "{\"score\": 0.75, \"details\": \"3 of 4\"}"),
            "/slow" => await SlowAsync(),
            "/bad-request" => (400, "no such task"),
            "/not-json" => (200, "<html>"),
            _ => (404, "?"),
        };
        context.Response.StatusCode = status;
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
    }

    private static async Task<(int, string)> SlowAsync()
    {
        await Task.Delay(3000);
        return (200, "{\"score\": 1}");
    }

    private HttpVerifierReward Reward(string path, int attempts = 3, double timeoutSeconds = 5) => new(
        new HttpVerifierOptions
        {
            Url = new Uri(_server.BaseUrl + path),
            MaxAttempts = attempts,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            InitialBackoff = TimeSpan.FromMilliseconds(20),
        },
        SharedHttp);

    private static readonly HttpClient SharedHttp = new();

    private static RewardInput Input => new("What is 2+2?", "#### 4", new Example { Id = "v1", Prompt = "What is 2+2?", ReferenceAnswer = "4", Tests = ["assert True"] });

    [Fact]
    public async Task A_failing_then_succeeding_endpoint_is_retried_with_backoff()
    {
        var result = await Reward("/flaky").ScoreAsync(Input, CancellationToken.None);

        result.Score.ShouldBe(0.75);
        result.Details.ShouldBe("3 of 4");
        _calls.ShouldBe(3);
        using var sent = JsonDocument.Parse(_bodies[0]);
        sent.RootElement.GetProperty("prompt").GetString().ShouldBe("What is 2+2?");
        sent.RootElement.GetProperty("completion").GetString().ShouldBe("#### 4");
        sent.RootElement.GetProperty("example").GetProperty("answer").GetString().ShouldBe("4");
        sent.RootElement.GetProperty("example").GetProperty("id").GetString().ShouldBe("v1");
        sent.RootElement.GetProperty("example").GetProperty("tests")[0].GetString().ShouldBe("assert True");
    }

    [Fact]
    public async Task Too_few_attempts_for_a_flaky_endpoint_is_an_error_naming_the_last_status()
    {
        var error = await Should.ThrowAsync<HttpVerifierException>(async () => await Reward("/flaky", attempts: 2).ScoreAsync(Input, CancellationToken.None));
        error.Message.ShouldContain("failed 2 attempt(s) for item 'v1'");
        error.Message.ShouldContain("503");
    }

    [Fact]
    public async Task A_slow_endpoint_times_out_each_attempt_and_safe_reward_scores_zero()
    {
        var safe = new SafeReward(Reward("/slow", attempts: 2, timeoutSeconds: 0.3));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var result = await safe.ScoreAsync(Input, CancellationToken.None);

        // Two attempts that waited for the 3 s answer would take 6 s; the bound is loose for a loaded machine.
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        result.Score.ShouldBe(0);
        result.Failed.ShouldBeTrue();
        result.Details!.ShouldContain("no answer within 0.3 s");
        safe.FailureCount.ShouldBe(1);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_invalid_json_is_named()
    {
        (await Should.ThrowAsync<HttpVerifierException>(async () => await Reward("/bad-request").ScoreAsync(Input, CancellationToken.None)))
            .Message.ShouldContain("rejected item 'v1' with 400");
        _calls.ShouldBe(1);
        (await Should.ThrowAsync<HttpVerifierException>(async () => await Reward("/not-json").ScoreAsync(Input, CancellationToken.None)))
            .Message.ShouldContain("invalid JSON: <html>");
    }
}
