namespace PostTrain.Trainer.Data;

/// <summary>
/// Gathers the examples of one load across its files: every valid record, or a seeded sample of them
/// (<see cref="DatasetLoadOptions.MaxSamples"/>), and the skipped ones with their first warnings.
/// </summary>
internal sealed class ExampleCollector(DatasetLoadOptions options)
{
    private readonly List<Example>? _all = options.MaxSamples is null ? [] : null;
    private readonly ReservoirSample<Example>? _sample = options.MaxSamples is { } max ? new ReservoirSample<Example>(max, options.Seed) : null;
    private readonly List<string> _warnings = [];
    private int _skipped;
    private long _valid;

    public void Add(Example example)
    {
        _valid++;
        _all?.Add(example);
        _sample?.Add(example);
    }

    public void Skip(string warning)
    {
        _skipped++;
        if (_warnings.Count < options.MaxWarnings)
        {
            _warnings.Add("skipped invalid record: " + warning);
        }
    }

    public DatasetLoadResult ToResult() => new(_all ?? _sample!.ToList(), _skipped, _warnings) { ValidCount = _valid };
}
