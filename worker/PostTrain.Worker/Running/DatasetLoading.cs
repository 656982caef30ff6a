using PostTrain.Api.Model;
using PostTrain.Trainer.Data;
using TrainerFormat = PostTrain.Trainer.Data.DatasetFormat;

namespace PostTrain.Worker.Running;

/// <summary>
/// How a job's <see cref="DatasetSpec"/> becomes the trainer's load: one mapping, used by <c>run</c> and by the
/// <c>dataset</c> command, so the command shows exactly what a job trains on.
/// </summary>
public static class DatasetLoading
{
    /// <summary>
    /// The source to load: the spec's, with <c>?split=</c> added for a builtin dataset when the spec names a split other
    /// than train (the builtins take their split from the URI).
    /// </summary>
    public static string SourceOf(DatasetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var uri = spec.Source;
        if (uri.StartsWith("builtin://", StringComparison.Ordinal) && !uri.Contains("split=", StringComparison.Ordinal) && spec.Split != "train")
        {
            uri += (uri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "split=" + spec.Split;
        }

        return uri;
    }

    /// <summary>The load options for <paramref name="spec"/> in a job seeded with <paramref name="seed"/>.</summary>
    public static DatasetLoadOptions OptionsOf(DatasetSpec spec, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new DatasetLoadOptions
        {
            Format = spec.Format switch
            {
                Api.Model.DatasetFormat.Messages => TrainerFormat.Messages,
                Api.Model.DatasetFormat.PromptCompletion => TrainerFormat.PromptCompletion,
                Api.Model.DatasetFormat.Gsm8k => TrainerFormat.Gsm8k,
                Api.Model.DatasetFormat.Mbpp => TrainerFormat.Mbpp,
                Api.Model.DatasetFormat.Parquet => TrainerFormat.Auto,
                _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Format, "unknown dataset format"),
            },
            FileType = spec.Format == Api.Model.DatasetFormat.Parquet ? DatasetFileType.Parquet : DatasetFileType.Auto,
            Fields = FieldsOf(spec),
            SkipInvalid = spec.SkipInvalid,
            Split = spec.Split,
            Config = spec.Config,
            MaxSamples = spec.MaxSamples,
            Seed = seed,
        };
    }

    /// <summary>The field-name overrides of <paramref name="spec"/>.</summary>
    public static FieldNames FieldsOf(DatasetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new FieldNames
        {
            Prompt = spec.Fields?.Prompt,
            Completion = spec.Fields?.Completion,
            Messages = spec.Fields?.Messages,
            Tests = spec.Fields?.Tests,
        };
    }
}
