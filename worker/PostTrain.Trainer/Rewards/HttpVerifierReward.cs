using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Http;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// Asks an external verifier service for the reward. The contract (the same as the CRD's <c>reward.url</c>):
/// <c>POST</c> <c>application/json</c> <c>{"prompt", "completion", "reference", "example"}</c>, where <c>reference</c> is the
/// item's answer (<see cref="Example.ReferenceAnswer"/>) or null and <c>example</c> the whole item (<c>id</c>, and
/// <c>prompt</c>, <c>messages</c>, <c>completion</c>, <c>answer</c>, <c>tests</c>, <c>testSetupCode</c> when set); the answer is
/// <c>{"reward": number, "details"?: string}</c>, and <c>score</c> is accepted in place of <c>reward</c> for verifiers written
/// against older PostTrain. Each attempt has a time limit; failed attempts that may succeed later (connection errors,
/// timeouts, 408, 429, 5xx) are retried with exponential backoff and jitter, or after the verifier's <c>Retry-After</c> (a Polly
/// resilience pipeline). When every attempt fails, or the answer is not that
/// shape, it throws <see cref="HttpVerifierException"/> (wrap it in <see cref="SafeReward"/> to score 0 instead).
/// </summary>
public sealed class HttpVerifierReward : IRewardFunction
{
    private readonly HttpClient _http;
    private readonly HttpVerifierOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<Attempt> _pipeline;

    /// <summary>Creates the reward over <paramref name="httpClient"/> (shared; not disposed here).</summary>
    /// <param name="options">Where the verifier is and how hard to try it.</param>
    /// <param name="httpClient">The client the requests go through.</param>
    /// <param name="timeProvider">The clock of the per-attempt time limit and the pauses between attempts; <see cref="TimeProvider.System"/> when null.</param>
    public HttpVerifierReward(HttpVerifierOptions options, HttpClient httpClient, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        if (!options.Url.IsAbsoluteUri || (options.Url.Scheme != Uri.UriSchemeHttp && options.Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"verifier URL '{options.Url}' must be an absolute http(s) URL", nameof(options));
        }

        if (options.MaxAttempts < 1 || options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("verifier MaxAttempts must be >= 1 and Timeout positive", nameof(options));
        }

        _options = options;
        _http = httpClient;
        _time = timeProvider ?? TimeProvider.System;
        _pipeline = BuildPipeline(options, _time);
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <inheritdoc />
    public async ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var body = Serialize(input);
        Attempt last;
        try
        {
            last = await _pipeline.ExecuteAsync(
                static (state, token) => state.Self.AttemptAsync(state.Body, token),
                (Self: this, Body: body),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutRejectedException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Failed(input, $"no answer within {_options.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            throw Failed(input, e.Message);
        }

        if (last.Text is { } text && last.Status is null)
        {
            return Parse(text);
        }

        if (!last.Retryable)
        {
            throw new HttpVerifierException($"verifier {_options.Url} rejected item '{input.Example.Id}' with {last.Error}");
        }

        throw Failed(input, last.Error);
    }

    /// <summary>
    /// Retries (Polly) connection errors, attempts past their time limit, 408, 429 and 5xx, with exponential backoff and
    /// jitter from <see cref="HttpVerifierOptions.InitialBackoff"/>, or after the verifier's Retry-After when it sends one;
    /// each attempt is limited to <see cref="HttpVerifierOptions.Timeout"/>.
    /// </summary>
    private static ResiliencePipeline<Attempt> BuildPipeline(HttpVerifierOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = timeProvider };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.InitialBackoff,
                // A cancellation that is not the caller's is a time-out too (the HttpClient's own Timeout).
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Result is { Retryable: true }
                    || args.Outcome.Exception is HttpRequestException or TimeoutRejectedException
                    || (args.Outcome.Exception is OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested)),
                DelayGenerator = static args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter),
            });
        }

        return builder.AddTimeout(options.Timeout).Build();
    }

    private async ValueTask<Attempt> AttemptAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(_options.Url, content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return new Attempt(text, null, null, null);
        }

        return new Attempt(text, response.StatusCode, $"{(int)response.StatusCode} {response.StatusCode}: {Truncate(text)}", RetryAfter.From(response, _time));
    }

    private HttpVerifierException Failed(RewardInput input, string? lastError) =>
        new($"verifier {_options.Url} failed {_options.MaxAttempts} attempt(s) for item '{input.Example.Id}'; last: {lastError}");

    /// <summary>One answer of the verifier: its body, and for a failure the status, the error text and its Retry-After.</summary>
    private sealed record Attempt(string? Text, HttpStatusCode? Status, string? Error, TimeSpan? RetryAfter)
    {
        /// <summary>Whether a later attempt may succeed: 408, 429 and 5xx.</summary>
        public bool Retryable => Status is { } status && ((int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout);
    }

    private RewardResult Parse(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !((root.TryGetProperty("reward", out var reward) || root.TryGetProperty("score", out reward)) && reward.ValueKind == JsonValueKind.Number))
            {
                throw new HttpVerifierException($"verifier {_options.Url} answered without a numeric 'reward' (or 'score'): {Truncate(text)}");
            }

            var details = root.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            return new RewardResult(reward.GetDouble(), details);
        }
        catch (JsonException e)
        {
            throw new HttpVerifierException($"verifier {_options.Url} answered with invalid JSON: {Truncate(text)}", e);
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";

    private static byte[] Serialize(RewardInput input)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("prompt", input.Prompt);
            w.WriteString("completion", input.Completion);
            w.WriteString("reference", input.Example.ReferenceAnswer);
            w.WritePropertyName("example");
            WriteExample(w, input.Example);
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteExample(Utf8JsonWriter w, Example e)
    {
        w.WriteStartObject();
        w.WriteString("id", e.Id);
        WriteOptional(w, "prompt", e.Prompt);
        if (e.Messages is not null)
        {
            w.WriteStartArray("messages");
            foreach (var m in e.Messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                w.WriteString("content", m.Content);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        WriteOptional(w, "completion", e.Completion);
        WriteOptional(w, "answer", e.ReferenceAnswer);
        if (e.Tests is not null)
        {
            w.WriteStartArray("tests");
            foreach (var t in e.Tests)
            {
                w.WriteStringValue(t);
            }

            w.WriteEndArray();
        }

        WriteOptional(w, "testSetupCode", e.TestSetupCode);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
