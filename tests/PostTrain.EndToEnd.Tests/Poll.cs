using System.Text.Json;
using PostTrain.Kube.Models;

namespace PostTrain.EndToEnd.Tests;

/// <summary>Reads state again and again until it satisfies a condition (no test asserts how long that takes).</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, double seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not so within {seconds} s; last seen: {JsonSerializer.Serialize(value, KubeJson.Options)}");
            }

            await Task.Delay(50);
        }
    }
}
