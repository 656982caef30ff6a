using PostTrain.Torch;
using PostTrain.Torch.Serialization;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// Attaches LoRA adapters to a model, freezes its base, and reads and writes adapters as PEFT does
/// (<c>adapter_config.json</c>, <see cref="PeftAdapterConfig"/>, + <c>adapter_model.safetensors</c> holding
/// <c>base_model.model.{module path}.lora_A.weight</c> [r, in] and <c>.lora_B.weight</c> [out, r]); merges an adapter
/// directory into a model's weights.
/// </summary>
public static class Lora
{
    /// <summary>PEFT's adapter configuration file.</summary>
    public const string ConfigFile = "adapter_config.json";

    /// <summary>PEFT's adapter weights file.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    private const string PeftPrefix = "base_model.model.";

    /// <summary>The named projections of every layer, with Hugging Face's dotted paths.</summary>
    public static IEnumerable<(string Path, string Module, Projection Projection)> Projections(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        for (var i = 0; i < model.Body.Layers.Count; i++)
        {
            var layer = model.Body.Layers[i];
            var prefix = $"model.layers.{i}.";
            yield return (prefix + "self_attn.q_proj", "q_proj", layer.SelfAttention.QProj);
            yield return (prefix + "self_attn.k_proj", "k_proj", layer.SelfAttention.KProj);
            yield return (prefix + "self_attn.v_proj", "v_proj", layer.SelfAttention.VProj);
            yield return (prefix + "self_attn.o_proj", "o_proj", layer.SelfAttention.OProj);
            yield return (prefix + "mlp.gate_proj", "gate_proj", layer.Mlp.GateProj);
            yield return (prefix + "mlp.up_proj", "up_proj", layer.Mlp.UpProj);
            yield return (prefix + "mlp.down_proj", "down_proj", layer.Mlp.DownProj);
        }
    }

    /// <summary>Attaches adapters to the target projections and freezes every other parameter.</summary>
    /// <exception cref="ArgumentException">A target module name is unknown.</exception>
    public static void Apply(CausalLanguageModel model, LoraSettings settings, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var unknown = settings.TargetModules.Except(LoraSettings.AllModules, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown LoRA target module(s): {string.Join(", ", unknown)} (known: {string.Join(", ", LoraSettings.AllModules)})", nameof(settings));
        }

        foreach (var p in model.Parameters())
        {
            p.RequiresGrad = false;
        }

        using var generator = new Generator(seed);
        foreach (var (_, module, projection) in Projections(model).Where(x => settings.TargetModules.Contains(x.Module)))
        {
            projection.AttachLora(settings.Rank, settings.Alpha, settings.Dropout, generator, settings.Scale);
        }
    }

    /// <summary>Folds every adapter into its base weight, for export as a plain Hugging Face checkpoint.</summary>
    public static void Merge(CausalLanguageModel model)
    {
        foreach (var (_, _, projection) in Projections(model))
        {
            projection.MergeLora();
        }
    }

    /// <summary>
    /// Writes PEFT's two adapter files into <paramref name="directory"/>; <paramref name="baseModel"/> becomes
    /// <c>base_model_name_or_path</c> (a repository id or a path; null when no repository or path holds the base).
    /// </summary>
    public static void SaveAdapter(CausalLanguageModel model, LoraSettings settings, string directory, PeftBaseModel? baseModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        new PeftAdapterConfig(settings, baseModel).Write(directory);
        using var scope = TorchScope.NewDisposeScope();
        var tensors = model.NamedParameters()
            .Where(p => p.Name.Contains(".lora_", StringComparison.Ordinal))
            .ToDictionary(p => PeftPrefix + p.Name, p => p.Parameter.Detach().Contiguous(), StringComparer.Ordinal);
        SafeTensors.Save(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Reads the settings of <c>adapter_config.json</c>; null when the directory holds no adapter.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or asks for what PostTrain does not implement; the message names the field.</exception>
    public static LoraSettings? ReadSettings(string directory) => PeftAdapterConfig.Read(directory)?.Settings;

    /// <summary>Whether <paramref name="directory"/> holds an adapter only (<c>adapter_config.json</c>, no <c>config.json</c>), whose base lives elsewhere.</summary>
    public static bool IsAdapterOnly(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFile)) && !File.Exists(Path.Combine(directory, "config.json"));

    /// <summary>
    /// Adds the PEFT adapter of <paramref name="directory"/> to the weights of <paramref name="model"/>: for every target
    /// projection W += scale · B·A (computed in float32, then stored in W's dtype), without attaching modules or
    /// freezing anything, so the model trains or exports as a plain one. Every tensor is checked: a missing, unexpected
    /// or misshapen one fails the load naming it.
    /// </summary>
    /// <returns>The adapter's configuration.</returns>
    /// <exception cref="InvalidDataException">The directory holds no adapter, or its files do not fit the model.</exception>
    public static PeftAdapterConfig MergeAdapter(CausalLanguageModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = PeftAdapterConfig.Read(directory) ?? throw new InvalidDataException($"{directory}: no {ConfigFile}: not a PEFT adapter");
        var path = Path.Combine(directory, WeightsFile);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{directory}: {ConfigFile} without {WeightsFile}");
        }

        var settings = config.Settings;
        using var scope = TorchScope.NewDisposeScope();
        var stored = SafeTensors.Load(path);
        var targets = Projections(model).Where(x => settings.TargetModules.Contains(x.Module)).ToList();
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, _, projection) in targets)
        {
            expected[$"{PeftPrefix}{name}.lora_A.weight"] = [settings.Rank, projection.InFeatures];
            expected[$"{PeftPrefix}{name}.lora_B.weight"] = [projection.OutFeatures, settings.Rank];
        }

        var problems = expected.Keys.Where(k => !stored.ContainsKey(k)).Select(k => $"{k}: missing")
            .Concat(stored.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{k}: unexpected"))
            .Concat(expected.Where(kv => stored.TryGetValue(kv.Key, out var t) && !t.Shape.SequenceEqual(kv.Value))
                .Select(kv => $"{kv.Key}: shape [{string.Join(", ", stored[kv.Key].Shape)}] where r = {settings.Rank} and the model give [{string.Join(", ", kv.Value)}]"))
            .ToList();
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{path}: {string.Join("; ", problems.Take(3))}{(problems.Count > 3 ? $"; and {problems.Count - 3} more" : string.Empty)}");
        }

        using var noGrad = TorchOps.NoGrad();
        foreach (var (name, _, projection) in targets)
        {
            var a = stored[$"{PeftPrefix}{name}.lora_A.weight"].To(ScalarType.Float32);
            var b = stored[$"{PeftPrefix}{name}.lora_B.weight"].To(ScalarType.Float32);
            var merged = projection.Weight.To(ScalarType.Float32) + (b.MatMul(a) * settings.Scale);
            projection.Weight.CopyFrom(merged.To(projection.Weight.DType));
        }

        return config;
    }

    /// <summary>Copies the adapter weights of <paramref name="directory"/> into a model whose adapters are attached.</summary>
    public static void LoadAdapterWeights(CausalLanguageModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        var path = Path.Combine(directory, WeightsFile);
        using var scope = TorchScope.NewDisposeScope();
        var stored = SafeTensors.Load(path);
        var own = model.NamedParameters().Where(p => p.Name.Contains(".lora_", StringComparison.Ordinal)).ToDictionary(p => PeftPrefix + p.Name, p => p.Parameter, StringComparer.Ordinal);
        var problems = own.Keys.Where(k => !stored.ContainsKey(k)).Select(k => $"{k}: missing").Concat(stored.Keys.Where(k => !own.ContainsKey(k)).Select(k => $"{k}: unexpected")).ToList();
        problems.AddRange(own.Where(kv => stored.TryGetValue(kv.Key, out var t) && !t.Shape.SequenceEqual(kv.Value.Shape)).Select(kv => $"{kv.Key}: shape [{string.Join(", ", stored[kv.Key].Shape)}] but the adapter expects [{string.Join(", ", kv.Value.Shape)}]"));
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{path}: {string.Join("; ", problems)}");
        }

        using var noGrad = TorchOps.NoGrad();
        foreach (var (name, parameter) in own)
        {
            parameter.CopyFrom(stored[name].To(parameter.DType));
        }
    }
}
