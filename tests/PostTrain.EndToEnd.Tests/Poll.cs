using System.Text.Json;
using PostTrain.Kube.Models;

namespace PostTrain.EndToEnd.Tests;

/// <summary>Reads Kubernetes state again and again until it satisfies a condition (tests/Shared's Eventually, with the last object seen in the message).</summary>
internal static class Poll
{
    public static Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, double seconds = 60) =>
        Eventually.ValueAsync(read, done, what, seconds, value => JsonSerializer.Serialize(value, KubeJson.Options));
}
