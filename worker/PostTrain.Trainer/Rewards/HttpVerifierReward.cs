using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// Asks an external verifier service for the reward. The contract (the same as the CRD's <c>reward.url</c>):
/// <c>POST</c> <c>application/json</c> <c>{"prompt", "completion", "reference", "example"}</c>, where <c>reference</c> is the
/// item's answer (<see cref="Example.ReferenceAnswer"/>) or null and <c>example</c> the whole item (<c>id</c>, and
/// <c>prompt</c>, <c>messages</c>, <c>completion</c>, <c>answer</c>, <c>tests</c>, <c>testSetupCode</c> when set); the answer is
/// <c>{"reward": number, "details"?: string}</c>, and <c>score</c> is accepted in place of <c>reward</c> for verifiers written
/// against older PostTrain. Each attempt has a time limit; failed attempts that may succeed later (connection errors,
/// timeouts, 408, 429, 5xx) are retried with exponential backoff. When every attempt fails, or the answer is not that
/// shape, it throws <see cref="HttpVerifierException"/> (wrap it in <see cref="SafeReward"/> to score 0 instead).
/// </summary>
public sealed class HttpVerifierReward : IRewardFunction
{
    private readonly HttpClient _http;
    private readonly HttpVerifierOptions _options;

    /// <summary>Creates the reward over <paramref name="httpClient"/> (shared; not disposed here).</summary>
    public HttpVerifierReward(HttpVerifierOptions options, HttpClient httpClient)
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
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <inheritdoc />
    public async ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var body = Serialize(input);
        string? lastError = null;
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                var backoff = _options.InitialBackoff * Math.Pow(2, attempt - 2) * (1 + (Random.Shared.NextDouble() * 0.2));
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _http.PostAsync(_options.Url, content, timeout.Token).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return Parse(text);
                }

                lastError = $"{(int)response.StatusCode} {response.StatusCode}: {Truncate(text)}";
                if (!IsRetryable(response.StatusCode))
                {
                    throw new HttpVerifierException($"verifier {_options.Url} rejected item '{input.Example.Id}' with {lastError}");
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = $"no answer within {_options.Timeout.TotalSeconds:0.###} s";
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message;
            }
        }

        throw new HttpVerifierException($"verifier {_options.Url} failed {_options.MaxAttempts} attempt(s) for item '{input.Example.Id}'; last: {lastError}");
    }

    private static bool IsRetryable(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

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
