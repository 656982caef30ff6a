namespace PostTrain.Trainer.Data;

/// <summary>The examples read, and what was skipped.</summary>
/// <param name="Examples">The records, in file order (a <see cref="DatasetLoadOptions.MaxSamples"/> sample keeps that order).</param>
/// <param name="SkippedCount">How many records were invalid and skipped (only with <see cref="DatasetLoadOptions.SkipInvalid"/>).</param>
/// <param name="Warnings">The first warnings, each naming file, line and what is wrong.</param>
public sealed record DatasetLoadResult(IReadOnlyList<Example> Examples, int SkippedCount, IReadOnlyList<string> Warnings)
{
    /// <summary>How many valid records the files hold; more than <see cref="Examples"/> when a sample was drawn.</summary>
    public long ValidCount { get; init; } = Examples?.Count ?? 0;
}
