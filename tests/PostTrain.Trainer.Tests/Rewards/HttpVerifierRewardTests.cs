using System.Net;
using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Tests.Sources;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Tests.Rewards;

/// <summary>
/// The verifier contract, against a real HTTP server: POST application/json {prompt, completion, reference, example},
/// answered by {reward, details?} ({score} accepted for reward).
/// </summary>
public sealed class HttpVerifierRewardTests : IAsyncLifetime
{
    private readonly List<(string Method, string? ContentType, string Body)> _requests = [];
    private readonly TaskCompletionSource _releaseSlow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LocalHttpServer _server = null!;
    private int _calls;

    public Task InitializeAsync()
    {
        _server = new LocalHttpServer(HandleAsync);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _releaseSlow.TrySetResult();
        await _server.DisposeAsync();
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var n = Interlocked.Increment(ref _calls);
        using (var reader = new StreamReader(context.Request.InputStream))
        {
            var body = await reader.ReadToEndAsync();
            lock (_requests)
            {
                _requests.Add((context.Request.HttpMethod, context.Request.ContentType, body));
            }
        }

        var path = context.Request.Url!.AbsolutePath;
        var (status, text) = path switch
        {
            "/reward" => (200, "{\"reward\": 0.25, \"details\": \"1 of 4\"}"),
            "/score" => (200, "{\"score\": 1}"),
            "/both" => (200, "{\"reward\": 0.5, \"score\": 1}"),
            "/flaky" when n <= 2 => (503, "busy"),
            "/flaky" => (200, "{\"reward\": 0.75, \"details\": \"3 of 4\"}"),
            "/slow" => await SlowAsync(),
            "/bad-request" => (400, "no such task"),
            "/not-json" => (200, "<html>"),
            "/no-reward" => (200, "{\"result\": 1}"),
            "/string-reward" => (200, "{\"reward\": \"1\"}"),
            _ => (404, "?"),
        };
        context.Response.StatusCode = status;
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
    }

    private async Task<(int, string)> SlowAsync()
    {
        // Answers only once the test is over: every attempt must end by its own timeout.
        await _releaseSlow.Task;
        return (200, "{\"reward\": 1}");
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
    public async Task The_request_is_a_json_post_of_prompt_completion_reference_and_the_whole_example()
    {
        var chat = new Example
        {
            Id = "c7",
            Messages = [ChatMessage.User("hi"), new ChatMessage("assistant", "hello")],
            Completion = "hello",
            TestSetupCode = "import os",
        };

        (await Reward("/reward").ScoreAsync(Input, CancellationToken.None)).Score.ShouldBe(0.25);
        await Reward("/reward").ScoreAsync(new RewardInput("hi", "hello", chat), CancellationToken.None);

        _requests.Select(r => (r.Method, r.ContentType)).ShouldBe([("POST", "application/json"), ("POST", "application/json")]);
        using var math = JsonDocument.Parse(_requests[0].Body);
        math.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["prompt", "completion", "reference", "example"]);
        math.RootElement.GetProperty("prompt").GetString().ShouldBe("What is 2+2?");
        math.RootElement.GetProperty("completion").GetString().ShouldBe("#### 4");
        math.RootElement.GetProperty("reference").GetString().ShouldBe("4");
        var example = math.RootElement.GetProperty("example");
        example.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "prompt", "answer", "tests"]);
        (example.GetProperty("id").GetString(), example.GetProperty("answer").GetString(), example.GetProperty("tests")[0].GetString()).ShouldBe(("v1", "4", "assert True"));

        using var conversation = JsonDocument.Parse(_requests[1].Body);
        conversation.RootElement.GetProperty("reference").ValueKind.ShouldBe(JsonValueKind.Null);
        var turns = conversation.RootElement.GetProperty("example");
        turns.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "messages", "completion", "testSetupCode"]);
        turns.GetProperty("messages")[1].GetProperty("role").GetString().ShouldBe("assistant");
        turns.GetProperty("testSetupCode").GetString().ShouldBe("import os");
    }

    [Fact]
    public async Task The_answer_is_reward_with_details_and_score_is_accepted_in_its_place()
    {
        var reward = await Reward("/reward").ScoreAsync(Input, CancellationToken.None);
        var score = await Reward("/score").ScoreAsync(Input, CancellationToken.None);
        var both = await Reward("/both").ScoreAsync(Input, CancellationToken.None);

        (reward.Score, reward.Details).ShouldBe((0.25, "1 of 4"));
        (score.Score, score.Details).ShouldBe((1.0, null));
        both.Score.ShouldBe(0.5);
        (await Should.ThrowAsync<HttpVerifierException>(async () => await Reward("/no-reward").ScoreAsync(Input, CancellationToken.None)))
            .Message.ShouldContain("answered without a numeric 'reward' (or 'score'): {\"result\": 1}");
        (await Should.ThrowAsync<HttpVerifierException>(async () => await Reward("/string-reward").ScoreAsync(Input, CancellationToken.None)))
            .Message.ShouldContain("without a numeric 'reward'");
    }

    [Fact]
    public async Task A_failing_then_succeeding_endpoint_is_retried_with_backoff()
    {
        var result = await Reward("/flaky").ScoreAsync(Input, CancellationToken.None);

        result.Score.ShouldBe(0.75);
        result.Details.ShouldBe("3 of 4");
        _calls.ShouldBe(3);
        _requests.Select(r => r.Body).Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task Too_few_attempts_for_a_flaky_endpoint_is_an_error_naming_the_last_status()
    {
        var error = await Should.ThrowAsync<HttpVerifierException>(async () => await Reward("/flaky", attempts: 2).ScoreAsync(Input, CancellationToken.None));
        error.Message.ShouldContain("failed 2 attempt(s) for item 'v1'");
        error.Message.ShouldContain("503");
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_times_out_each_attempt_and_safe_reward_scores_zero()
    {
        var safe = new SafeReward(Reward("/slow", attempts: 2, timeoutSeconds: 0.3));

        var result = await safe.ScoreAsync(Input, CancellationToken.None);

        result.Score.ShouldBe(0);
        result.Failed.ShouldBeTrue();
        result.Details!.ShouldContain("failed 2 attempt(s)");
        result.Details!.ShouldContain("no answer within 0.3 s");
        safe.FailureCount.ShouldBe(1);
        // The client gives up after 0.3 s; on a loaded machine the server may count the second request only later.
        await Eventually.TrueAsync(() => Volatile.Read(ref _calls) == 2, "the server saw both attempts");
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
