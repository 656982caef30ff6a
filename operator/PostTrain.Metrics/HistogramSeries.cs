namespace PostTrain.Metrics;

/// <summary>
/// A histogram series: a count per bucket (not cumulative) and the sum. A scrape adds the bucket counts up
/// as it reads them and reports their total as _count, so buckets are always cumulative, monotone and
/// end in a +Inf bucket equal to _count, however measurements race with the scrape.
/// </summary>
internal sealed class HistogramSeries(string labels, int bucketCount) : Series(labels)
{
    private readonly long[] _counts = new long[bucketCount];
    private long _sumBits;

    public int BucketCount => _counts.Length;

    public double Sum => BitConverter.Int64BitsToDouble(Volatile.Read(ref _sumBits));

    public long CountIn(int bucket) => Volatile.Read(ref _counts[bucket]);

    public void Observe(int bucket, double value)
    {
        Interlocked.Increment(ref _counts[bucket]);
        var current = Volatile.Read(ref _sumBits);
        while (true)
        {
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + value);
            var seen = Interlocked.CompareExchange(ref _sumBits, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
