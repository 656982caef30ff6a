using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Torch;
using PostTrain.Torch.Serialization;
using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Checkpoints;

/// <summary>
/// Hugging Face checkpoint directories: <c>config.json</c>, <c>model.safetensors</c> or shards with
/// <c>model.safetensors.index.json</c>, <c>generation_config.json</c> and tokenizer files.
/// </summary>
public static class HfCheckpoint
{
    /// <summary>Shard size above which weights are split across files (Hugging Face's default is 5 GB).</summary>
    public const long DefaultMaxShardBytes = 5L * 1024 * 1024 * 1024;

    private const string IndexFile = "model.safetensors.index.json";
    private const string SingleFile = "model.safetensors";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Saves the model's base weights (LoRA factors excluded; merge first to export them) atomically into
    /// <paramref name="directory"/>. <paramref name="extraFiles"/> writes more files (tokenizer, trainer state) into the
    /// same temporary directory before it is renamed into place.
    /// </summary>
    public static void Save(CausalLanguageModel model, string directory, Action<string>? extraFiles = null, long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicDirectory.Write(directory, temporary =>
        {
            WriteWeights(model, temporary, maxShardBytes);
            File.WriteAllText(Path.Combine(temporary, "config.json"), model.Config.ToJson().ToJsonString(Indented));
            File.WriteAllText(Path.Combine(temporary, "generation_config.json"), GenerationConfig(model.Config).ToJsonString(Indented));
            extraFiles?.Invoke(temporary);
        });
    }

    /// <summary>
    /// Loads a checkpoint directory: the configuration, then every tensor checked by name, shape and dtype against it.
    /// All problems are reported in one <see cref="CheckpointException"/>.
    /// </summary>
    public static CausalLanguageModel Load(string directory, ScalarType? dtype = null)
    {
        var configPath = Path.Combine(directory, "config.json");
        ModelConfig config;
        try
        {
            config = ModelConfig.Load(configPath);
        }
        catch (ModelConfigException e)
        {
            throw new CheckpointException(e.Message, e);
        }

        var model = new CausalLanguageModel(config, dtype: dtype);
        try
        {
            LoadWeights(model, directory);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    /// <summary>
    /// One readable line for a checkpoint that does not load: the first problems (an unreadable file comes first,
    /// it is usually the cause), then the missing tensors summarised rather than listed one by one.
    /// </summary>
    private static string Describe(string directory, List<string> problems, List<string> missing)
    {
        const int Shown = 3;
        var parts = problems.Take(Shown).ToList();
        if (problems.Count > Shown)
        {
            parts.Add($"and {problems.Count - Shown} more problem(s)");
        }

        if (missing.Count > 0)
        {
            parts.Add(missing.Count <= Shown
                ? $"missing from the checkpoint: {string.Join(", ", missing)}"
                : $"{missing.Count} tensors missing from the checkpoint ({string.Join(", ", missing.Take(Shown))}, ...)");
        }

        return $"{directory}: {string.Join("; ", parts)}";
    }

    /// <summary>Reads the weights of <paramref name="directory"/> into <paramref name="model"/>, checking every tensor.</summary>
    public static void LoadWeights(CausalLanguageModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = WeightFiles(directory);
        var expected = model.StateDict().Where(kv => !IsLora(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var storedDType = CausalLanguageModel.ParseDType(model.Config.TorchDtype);
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = PostTrain.Torch.Tensors.NoGrad();
        foreach (var file in files)
        {
            Dictionary<string, Tensor> tensors;
            try
            {
                tensors = SafeTensors.Load(file);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or JsonException or TorchException)
            {
                problems.Add($"{Path.GetFileName(file)}: unreadable safetensors file: {e.Message}");
                continue;
            }

            foreach (var (name, tensor) in tensors)
            {
                if (name == "lm_head.weight" && model.Config.TieWordEmbeddings)
                {
                    continue; // some tied checkpoints store the shared matrix twice
                }

                if (!expected.TryGetValue(name, out var target))
                {
                    problems.Add($"{name}: unexpected tensor in {Path.GetFileName(file)}");
                    continue;
                }

                seen.Add(name);
                if (!tensor.Shape.SequenceEqual(target.Shape))
                {
                    problems.Add($"{name}: shape [{string.Join(", ", tensor.Shape)}] does not match the config's [{string.Join(", ", target.Shape)}]");
                    continue;
                }

                if (tensor.DType != storedDType)
                {
                    problems.Add($"{name}: dtype {tensor.DType} does not match torch_dtype {model.Config.TorchDtype}");
                    continue;
                }

                target.CopyFrom(tensor.To(target.DType));
            }
        }

        var missing = expected.Keys.Where(k => !seen.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (problems.Count > 0 || missing.Count > 0)
        {
            throw new CheckpointException(Describe(directory, problems, missing));
        }
    }

    /// <summary>The weight files of a checkpoint directory: the shards an index names, or the single file.</summary>
    public static IReadOnlyList<string> WeightFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new CheckpointException($"{directory}: checkpoint directory not found");
        }

        var index = Path.Combine(directory, IndexFile);
        if (File.Exists(index))
        {
            JsonObject weightMap;
            try
            {
                weightMap = JsonNode.Parse(File.ReadAllText(index))?["weight_map"] as JsonObject
                    ?? throw new CheckpointException($"{index}: no weight_map object");
            }
            catch (JsonException e)
            {
                throw new CheckpointException($"{index}: not valid JSON: {e.Message}", e);
            }

            var shards = weightMap.Select(kv => kv.Value?.GetValue<string>() ?? string.Empty).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var missing = shards.Where(s => !File.Exists(Path.Combine(directory, s))).ToList();
            if (missing.Count > 0)
            {
                throw new CheckpointException($"{index}: shard(s) missing: {string.Join(", ", missing)}");
            }

            return [.. shards.Select(s => Path.Combine(directory, s))];
        }

        var single = Path.Combine(directory, SingleFile);
        if (File.Exists(single))
        {
            return [single];
        }

        throw new CheckpointException($"{directory}: no {SingleFile} or {IndexFile}");
    }

    private static void WriteWeights(CausalLanguageModel model, string directory, long maxShardBytes)
    {
        var storedDType = CausalLanguageModel.ParseDType(model.Config.TorchDtype);
        using var scope = TorchScope.NewDisposeScope();
        var tensors = model.StateDict()
            .Where(kv => !IsLora(kv.Key))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, Tensor: kv.Value.Detach().To(storedDType).Contiguous()))
            .ToList();

        var shards = new List<Dictionary<string, Tensor>> { new(StringComparer.Ordinal) };
        long current = 0, total = 0;
        foreach (var (name, tensor) in tensors)
        {
            var bytes = tensor.NumberOfElements * ElementSize(storedDType);
            if (current > 0 && current + bytes > maxShardBytes)
            {
                shards.Add(new Dictionary<string, Tensor>(StringComparer.Ordinal));
                current = 0;
            }

            shards[^1][name] = tensor;
            current += bytes;
            total += bytes;
        }

        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (shards.Count == 1)
        {
            SafeTensors.Save(Path.Combine(directory, SingleFile), shards[0], metadata);
            return;
        }

        var weightMap = new JsonObject();
        for (var i = 0; i < shards.Count; i++)
        {
            var file = string.Create(CultureInfo.InvariantCulture, $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors");
            SafeTensors.Save(Path.Combine(directory, file), shards[i], metadata);
            foreach (var name in shards[i].Keys)
            {
                weightMap[name] = file;
            }
        }

        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, IndexFile), index.ToJsonString(Indented));
    }

    private static JsonObject GenerationConfig(ModelConfig config)
    {
        var json = new JsonObject { ["do_sample"] = true, ["temperature"] = 1.0, ["top_p"] = 1.0 };
        if (config.BosTokenId is { } bos)
        {
            json["bos_token_id"] = bos;
        }

        if (config.EosTokenIds.Count > 0)
        {
            json["eos_token_id"] = config.EosTokenIds.Count == 1 ? config.EosTokenIds[0] : new JsonArray([.. config.EosTokenIds.Select(i => (JsonNode)i)]);
        }

        return json;
    }

    internal static bool IsLora(string name) => name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => 1,
    };
}
