using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sources;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Worker.Running;

/// <summary>
/// Turns the sources a job names (hf://, pvc://, file://, a path, builtin://, or another job's checkpoint) into
/// loaded models and datasets on this machine.
/// </summary>
public sealed class SourceLoading(SourceResolver resolver)
{
    private static readonly string[] AdapterFiles = [Lora.ConfigFile, Lora.WeightsFile];

    /// <summary>
    /// Loads the model <paramref name="source"/> names, then merges <paramref name="adapter"/> (a PEFT adapter's URI)
    /// into its weights when given. <c>builtin://tiny</c> builds the tiny model with fresh weights from
    /// <paramref name="seed"/>. A checkpoint directory that also holds a PEFT adapter (a LoRA job's checkpoint) is loaded
    /// with the adapter merged; an adapter-only directory (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>)
    /// is merged onto the base its <c>base_model_name_or_path</c> names (a path, or a repository id read from the hub).
    /// </summary>
    public async Task<LoadedModel> LoadModelAsync(string source, ModelDtype dtype, ulong seed, CancellationToken cancellationToken, string? adapter = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        var scalar = dtype switch
        {
            ModelDtype.BFloat16 => ScalarType.BFloat16,
            ModelDtype.Float16 => ScalarType.Float16,
            ModelDtype.Float32 => ScalarType.Float32,
            _ => (ScalarType?)null,
        };
        var loaded = await LoadAsync(source, scalar, seed, adapterOnly: true, cancellationToken).ConfigureAwait(false);
        if (adapter is null)
        {
            return loaded;
        }

        try
        {
            var directory = await resolver.ResolveAsync(SourceUri.Parse(adapter), HubRepoKind.Model, AdapterFiles, cancellationToken).ConfigureAwait(false);
            Lora.MergeAdapter(loaded.Model, directory);
            loaded.MergedAdapters.Add(adapter);
            loaded.BaseModel = PeftBaseModel.FromSource(adapter, directory);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    private async Task<LoadedModel> LoadAsync(string source, ScalarType? scalar, ulong seed, bool adapterOnly, CancellationToken cancellationToken)
    {
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

        var directory = await resolver.ResolveAsync(SourceUri.Parse(source), HubRepoKind.Model, ModelFiles.Patterns, cancellationToken).ConfigureAwait(false);
        if (Lora.IsAdapterOnly(directory))
        {
            return adapterOnly
                ? await LoadAdapterOnlyAsync(source, directory, scalar, seed, cancellationToken).ConfigureAwait(false)
                : throw new InvalidDataException($"{source}: the base of an adapter is itself an adapter without a model (no config.json)");
        }

        var loaded = HfCheckpoint.Load(directory, scalar ?? (RuntimeDefaultsToFloat32 ? ScalarType.Float32 : null));
        try
        {
            if (File.Exists(Path.Combine(directory, Lora.ConfigFile)))
            {
                Lora.MergeAdapter(loaded, directory); // a LoRA job's checkpoint: the frozen base and its adapter
            }

            var tokenizer = TokenizerLoader.FromFile(directory);
            var result = new LoadedModel(loaded, tokenizer, ChatTemplate.Detect(tokenizer, directory), source) { BaseModel = PeftBaseModel.FromSource(source, directory) };
            if (File.Exists(Path.Combine(directory, Lora.ConfigFile)))
            {
                result.MergedAdapters.Add(source);
            }

            return result;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    private async Task<LoadedModel> LoadAdapterOnlyAsync(string source, string directory, ScalarType? scalar, ulong seed, CancellationToken cancellationToken)
    {
        var config = PeftAdapterConfig.Read(directory)!;
        string baseSource;
        try
        {
            baseSource = config.BaseModel?.ToSourceUri()
                ?? throw new InvalidDataException("base_model_name_or_path is not set: name the base model there (a path or a repository id), or give the base as the model and this adapter as its adapter");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {Lora.ConfigFile}: {e.Message}", e);
        }

        var baseModel = await LoadAsync(baseSource, scalar, seed, adapterOnly: false, cancellationToken).ConfigureAwait(false);
        try
        {
            Lora.MergeAdapter(baseModel.Model, directory);
            var ownTokenizer = File.Exists(Path.Combine(directory, "tokenizer.json"));
            var tokenizer = ownTokenizer ? TokenizerLoader.FromFile(directory) : baseModel.Tokenizer;
            var template = ownTokenizer ? ChatTemplate.Detect(tokenizer, directory) : baseModel.Template;
            var result = new LoadedModel(baseModel.Model, tokenizer, template, source) { BaseModel = PeftBaseModel.FromSource(source, directory) };
            result.MergedAdapters.AddRange(baseModel.MergedAdapters);
            result.MergedAdapters.Add(source);
            return result;
        }
        catch
        {
            baseModel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a job's dataset (<see cref="DatasetLoading"/>: its config and split, and a <c>maxSamples</c> sample drawn by
    /// <paramref name="seed"/>), and reports skipped records and the sample's size through <paramref name="warn"/>.
    /// </summary>
    public async Task<IReadOnlyList<Example>> LoadDatasetAsync(DatasetSpec spec, long seed, Action<string> warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(warn);
        var result = await new DatasetSourceLoader(resolver).LoadAsync(DatasetLoading.SourceOf(spec), DatasetLoading.OptionsOf(spec, seed), cancellationToken).ConfigureAwait(false);
        if (result.SkippedCount > 0)
        {
            warn($"{spec.Source}: skipped {result.SkippedCount} invalid record(s) (skipInvalid: true); first: {string.Join(" | ", result.Warnings.Take(3))}");
        }

        if (result.ValidCount > result.Examples.Count)
        {
            warn($"{spec.Source}: a sample of {result.Examples.Count} of {result.ValidCount} records (maxSamples: {spec.MaxSamples}, seed {seed})");
        }

        return result.Examples;
    }

    /// <summary>On a CPU-only machine half-precision checkpoints are upcast: CPU kernels are slow or missing in bf16.</summary>
    private static bool RuntimeDefaultsToFloat32 => !TorchRuntime.CudaIsAvailable;
}
