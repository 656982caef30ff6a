using System.Collections.Concurrent;

namespace PostTrain.Metrics;

/// <summary>
/// The series of one family: found by label text without allocating (a span lookup), kept in insertion
/// order in an append-only array that scrapes read without locking.
/// </summary>
internal sealed class SeriesStore<TSeries>
    where TSeries : Series
{
    private readonly Func<string, TSeries> _create;
    private readonly ConcurrentDictionary<string, TSeries> _byLabels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TSeries>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Lock _gate = new();
    private TSeries[] _items = new TSeries[4];
    private int _count;

    public SeriesStore(Func<string, TSeries> create)
    {
        _create = create;
        _lookup = _byLabels.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Series <paramref name="index"/>, for index below a <see cref="Count"/> read earlier.</summary>
    public TSeries this[int index] => Volatile.Read(ref _items)[index];

    public TSeries GetOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = LabelKeyBuilder.Build(tags);
        var lookup = _lookup;
        if (lookup.TryGetValue(labels, out var series))
        {
            return series;
        }

        lock (_gate)
        {
            if (lookup.TryGetValue(labels, out series))
            {
                return series;
            }

            var text = labels.ToString();
            series = _create(text);
            if (_count == _items.Length)
            {
                var bigger = new TSeries[_items.Length * 2];
                Array.Copy(_items, bigger, _count);
                Volatile.Write(ref _items, bigger);
            }

            // Publish the item before the count, so a reader that sees the count sees the item.
            _items[_count] = series;
            Volatile.Write(ref _count, _count + 1);
            _byLabels[text] = series;
            return series;
        }
    }
}
