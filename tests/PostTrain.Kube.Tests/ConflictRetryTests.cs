using System.Net;
using k8s.Models;
using PostTrain.Kube.Client;

namespace PostTrain.Kube.Tests;

/// <summary>Read-modify-write retried on 409 Conflict only, a bounded number of times.</summary>
public sealed class ConflictRetryTests
{
    private static KubernetesApiException Error(HttpStatusCode status, string reason) =>
        new(status, new V1Status { Reason = reason, Code = (int)status }, $"{(int)status} {reason}");

    [Fact]
    public async Task Conflicts_are_retried_until_an_attempt_passes()
    {
        var calls = 0;

        var result = await ConflictRetry.RunAsync(_ => ++calls < 3 ? throw Error(HttpStatusCode.Conflict, "Conflict") : Task.FromResult("written"));

        result.ShouldBe("written");
        calls.ShouldBe(3);
    }

    [Fact]
    public async Task The_last_conflict_is_thrown_after_the_attempts_and_other_errors_at_once()
    {
        var conflicts = 0;
        var last = await Should.ThrowAsync<KubernetesApiException>(() => ConflictRetry.RunAsync<string>(_ => throw Error(HttpStatusCode.Conflict, $"Conflict-{++conflicts}"), attempts: 2));
        conflicts.ShouldBe(2);
        last.Message.ShouldBe("409 Conflict-2");

        var others = 0;
        await Should.ThrowAsync<KubernetesApiException>(() => ConflictRetry.RunAsync<string>(_ => { others++; throw Error(HttpStatusCode.Conflict, "AlreadyExists"); }));
        others.ShouldBe(1, "AlreadyExists is not a write conflict");
    }
}
