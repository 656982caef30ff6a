using System.Collections.Concurrent;
using System.Text;

namespace PostTrain.Kube.Tests;

/// <summary>
/// The innermost of the handlers a test passes to KubernetesClient: records each request as it would leave for the
/// network (headers included) and answers it with a ConfigMap named after the request's last path segment.
/// </summary>
public sealed class AnsweringHandler : DelegatingHandler
{
    /// <summary>The requests, in order.</summary>
    public ConcurrentQueue<HttpRequestMessage> Requests { get; } = new();

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        var name = request.RequestUri!.Segments[^1];
        var body = $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","namespace":"team"}}""";
        return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
