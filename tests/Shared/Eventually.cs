namespace PostTrain.Testing;

/// <summary>Polls a condition until it holds or a deadline passes (no test asserts how long that takes).</summary>
internal static class Eventually
{
    /// <summary>Waits for <paramref name="condition"/>; throws naming <paramref name="what"/> after <paramref name="seconds"/>.</summary>
    public static Task TrueAsync(Func<bool> condition, string what, double seconds = 10) =>
        TrueAsync(() => Task.FromResult(condition()), what, seconds);

    /// <summary>Waits for <paramref name="condition"/>; throws naming <paramref name="what"/> after <paramref name="seconds"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, double seconds = 10) =>
        await ValueAsync(condition, done => done, what, seconds).ConfigureAwait(false);

    /// <summary>
    /// Reads state again and again until <paramref name="done"/> holds and returns it; after <paramref name="seconds"/>
    /// throws naming <paramref name="what"/> and the last value seen, as <paramref name="describe"/> writes it.
    /// </summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, double seconds, Func<T, string>? describe = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read().ConfigureAwait(false);
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(describe is null ? $"not true within {seconds} s: {what}" : $"not true within {seconds} s: {what}; last seen: {describe(value)}");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }
}
