namespace PostTrain.Metrics;

/// <summary>
/// Numbers the collection cycles of a collector. Series of observable instruments are stamped with the
/// cycle whose callbacks reported them, so a series a callback stops reporting leaves the exposition.
/// </summary>
internal sealed class GenerationClock
{
    private long _current;

    public long Current => Volatile.Read(ref _current);

    public long Advance() => Interlocked.Increment(ref _current);
}
