namespace PostTrain.Metrics;

/// <summary>A counter or gauge series: one double, updated atomically.</summary>
internal sealed class ScalarSeries(string labels) : Series(labels)
{
    private long _bits;

    public double Value => BitConverter.Int64BitsToDouble(Volatile.Read(ref _bits));

    public void Set(double value) => Volatile.Write(ref _bits, BitConverter.DoubleToInt64Bits(value));

    public void Add(double delta)
    {
        var current = Volatile.Read(ref _bits);
        while (true)
        {
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + delta);
            var seen = Interlocked.CompareExchange(ref _bits, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
