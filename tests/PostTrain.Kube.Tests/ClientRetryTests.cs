using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;

namespace PostTrain.Kube.Tests;

/// <summary>The client's retries on a fake clock: 429 and 5xx with Retry-After are retried, after Retry-After or with jittered backoff.</summary>
public sealed class ClientRetryTests
{
    private static readonly Uri Server = new("http://api.test");

    private static HttpResponseMessage Failure(HttpStatusCode status, TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent($"{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"slow down\",\"reason\":\"{status}\",\"code\":{(int)status}}}", Encoding.UTF8, "application/json"),
        };
        if (retryAfter is { } delta)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(delta);
        }

        return response;
    }

    private static HttpResponseMessage Map(HttpRequestMessage _) =>
        new(HttpStatusCode.OK) { Content = new StringContent("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"r\",\"namespace\":\"default\"}}", Encoding.UTF8, "application/json") };

    private static async Task<(Task<string?> Get, IReadOnlyList<TimeSpan> Pauses, int Requests)> GetAsync(int maxRetries, params Func<HttpRequestMessage, HttpResponseMessage>[] script)
    {
        var time = new PauseRecordingTimeProvider();
        var handler = new ScriptedHttpHandler(script);
        using var client = new KubernetesClient(KubeClientConfig.ForServer(Server, requestTimeout: TimeSpan.FromHours(1)), maxRetries, time, handler);
        var get = GetNameAsync(client);
        IReadOnlyList<TimeSpan> pauses;
        try
        {
            pauses = await time.RunPausesAsync(get, d => d != TimeSpan.FromHours(1));
        }
        catch (KubernetesApiException)
        {
            pauses = [];
        }

        return (get, pauses, handler.Requests);
    }

    private static async Task<string?> GetNameAsync(KubernetesClient client) => (await client.ConfigMaps.GetAsync("r", "default")).Metadata.Name;

    [Fact]
    public async Task Too_many_requests_waits_Retry_After_and_without_it_backs_off_exponentially_with_jitter()
    {
        var (get, pauses, requests) = await GetAsync(
            5,
            _ => Failure(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(7)),
            _ => Failure(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(3)),
            _ => Failure(HttpStatusCode.TooManyRequests),
            _ => Failure(HttpStatusCode.TooManyRequests),
            Map);

        (await get).ShouldBe("r");
        requests.ShouldBe(5);
        pauses.Count.ShouldBe(4);
        pauses.Take(2).ShouldBe([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(3)]);
        // without Retry-After: Polly's exponential backoff from 1 s with jitter (the 3rd and 4th retries: below about 1.4 * 4 s and 1.4 * 8 s)
        pauses[2].ShouldBeInRange(TimeSpan.FromTicks(1), TimeSpan.FromSeconds(6));
        pauses[3].ShouldBeInRange(TimeSpan.FromTicks(1), TimeSpan.FromSeconds(12));
        pauses.Skip(2).ShouldNotBe([TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)], "the pauses are jittered");
    }

    [Fact]
    public async Task A_5xx_without_Retry_After_is_not_retried_and_MaxRetries_bounds_the_rest()
    {
        var (plain, _, plainRequests) = await GetAsync(5, _ => Failure(HttpStatusCode.InternalServerError), Map);
        (await Should.ThrowAsync<KubernetesApiException>(() => plain)).StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        plainRequests.ShouldBe(1);

        var (busy, _, busyRequests) = await GetAsync(2, _ => Failure(HttpStatusCode.TooManyRequests, TimeSpan.Zero));
        var error = await Should.ThrowAsync<KubernetesApiException>(() => busy);
        error.IsTooManyRequests.ShouldBeTrue();
        error.RetryAfter.ShouldBe(TimeSpan.Zero);
        error.Message.ShouldBe("GET /api/v1/namespaces/default/configmaps/r: 429 TooManyRequests: slow down");
        busyRequests.ShouldBe(3, "the first attempt and MaxRetries (2) retries");
    }
}
