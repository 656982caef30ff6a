using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sources;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using TrainerFormat = PostTrain.Trainer.Data.DatasetFormat;
using TrainerSourceUri = PostTrain.Trainer.Sources.SourceUri;

namespace PostTrain.Worker.Running;

/// <summary>
/// Turns the sources a job names (hf://, pvc://, file://, a path, builtin://, or another job's checkpoint) into
/// loaded models and datasets on this machine.
/// </summary>
public sealed class SourceLoading(SourceResolver resolver)
{
    /// <summary>
    /// Loads the model <paramref name="source"/> names. <c>builtin://tiny</c> builds the tiny model with fresh weights
    /// from <paramref name="seed"/>; a directory with a PEFT adapter is loaded with the adapter merged.
    /// </summary>
    public async Task<LoadedModel> LoadModelAsync(string source, ModelDtype dtype, ulong seed, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        var scalar = dtype switch
        {
            ModelDtype.BFloat16 => ScalarType.BFloat16,
            ModelDtype.Float16 => ScalarType.Float16,
            ModelDtype.Float32 => ScalarType.Float32,
            _ => (ScalarType?)null,
        };
        if (source == BuiltinModels.TinyUri)
        {
            var tokenizer = BuiltinTokenizers.Arithmetic;
            var model = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed, scalar);
            return new LoadedModel(model, tokenizer, ChatTemplate.ChatMl, source);
        }

        if (BuiltinModels.IsBuiltin(source))
        {
            throw new InvalidDataException($"{source}: unknown built-in model (known: {BuiltinModels.TinyUri})");
        }

        var directory = await resolver.ResolveAsync(TrainerSourceUri.Parse(source), HubRepoKind.Model, ModelFiles.Patterns, cancellationToken).ConfigureAwait(false);
        var loaded = HfCheckpoint.Load(directory, scalar ?? (RuntimeDefaultsToFloat32 ? ScalarType.Float32 : null));
        try
        {
            if (Lora.ReadSettings(directory) is { } adapter)
            {
                Lora.Apply(loaded, adapter, seed);
                Lora.LoadAdapterWeights(loaded, directory);
                Lora.Merge(loaded);
            }

            var tokenizer = TokenizerLoader.FromFile(directory);
            return new LoadedModel(loaded, tokenizer, ChatTemplate.Detect(tokenizer, directory), source);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Loads a dataset and reports skipped lines through <paramref name="warn"/>.</summary>
    public async Task<IReadOnlyList<Example>> LoadDatasetAsync(DatasetSpec spec, Action<string> warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(warn);
        var uri = spec.Source;
        if (uri.StartsWith("builtin://", StringComparison.Ordinal) && !uri.Contains("split=", StringComparison.Ordinal) && spec.Split != "train")
        {
            uri += (uri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "split=" + spec.Split;
        }

        var options = new DatasetLoadOptions
        {
            Format = spec.Format switch
            {
                Api.Model.DatasetFormat.Messages => TrainerFormat.Messages,
                Api.Model.DatasetFormat.PromptCompletion => TrainerFormat.PromptCompletion,
                Api.Model.DatasetFormat.Gsm8k => TrainerFormat.Gsm8k,
                Api.Model.DatasetFormat.Mbpp => TrainerFormat.Mbpp,
                _ => TrainerFormat.Auto,
            },
            Fields = new FieldNames
            {
                Prompt = spec.Fields?.Prompt,
                Completion = spec.Fields?.Completion,
                Messages = spec.Fields?.Messages,
                Tests = spec.Fields?.Tests,
            },
            SkipInvalid = spec.SkipInvalid,
        };
        var result = await new DatasetSourceLoader(resolver).LoadAsync(uri, options, cancellationToken).ConfigureAwait(false);
        if (result.SkippedCount > 0)
        {
            warn($"{spec.Source}: skipped {result.SkippedCount} invalid record(s) (skipInvalid: true); first: {string.Join(" | ", result.Warnings.Take(3))}");
        }

        return spec.MaxSamples is { } max ? [.. result.Examples.Take(max)] : result.Examples;
    }

    /// <summary>On a CPU-only machine half-precision checkpoints are upcast: CPU kernels are slow or missing in bf16.</summary>
    private static bool RuntimeDefaultsToFloat32 => !TorchRuntime.CudaIsAvailable;
}
