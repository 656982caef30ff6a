using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Torch;
using PostTrain.Torch.Serialization;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>LoRA settings: rank, scale, dropout and which projections get adapters (PEFT's <c>target_modules</c>).</summary>
/// <param name="Rank">Adapter rank r.</param>
/// <param name="Alpha">Scale numerator; the update is (alpha / r) · B·A.</param>
/// <param name="Dropout">Dropout on the adapter input while training.</param>
/// <param name="TargetModules">Projection names: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj.</param>
public sealed record LoraSettings(int Rank, double Alpha, double Dropout, IReadOnlyList<string> TargetModules)
{
    /// <summary>Every projection name a Llama-family layer has.</summary>
    public static readonly IReadOnlyList<string> AllModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Attention projections only, PEFT's usual default for Llama.</summary>
    public static readonly IReadOnlyList<string> AttentionModules = ["q_proj", "k_proj", "v_proj", "o_proj"];
}

/// <summary>
/// Attaches LoRA adapters to a model, freezes its base, and reads and writes adapters as PEFT does
/// (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c> with <c>base_model.model.</c>-prefixed names).
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
            projection.AttachLora(settings.Rank, settings.Alpha, settings.Dropout, generator);
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

    /// <summary>Writes PEFT's two adapter files into <paramref name="directory"/>.</summary>
    public static void SaveAdapter(CausalLanguageModel model, LoraSettings settings, string directory, string baseModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
            ["r"] = settings.Rank,
            ["lora_alpha"] = settings.Alpha,
            ["lora_dropout"] = settings.Dropout,
            ["target_modules"] = new JsonArray([.. settings.TargetModules.Select(m => (JsonNode)m)]),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
        };
        File.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        using var scope = TorchScope.NewDisposeScope();
        var tensors = model.NamedParameters()
            .Where(p => p.Name.Contains(".lora_", StringComparison.Ordinal))
            .ToDictionary(p => PeftPrefix + p.Name, p => p.Parameter.Detach().Contiguous(), StringComparer.Ordinal);
        SafeTensors.Save(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Reads <c>adapter_config.json</c>; null when the directory holds no adapter.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the field.</exception>
    public static LoraSettings? ReadSettings(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
            var rank = json["r"]?.GetValue<int>() ?? throw new InvalidDataException($"{path}: r is missing");
            var alpha = json["lora_alpha"]?.GetValue<double>() ?? rank;
            var dropout = json["lora_dropout"]?.GetValue<double>() ?? 0;
            var targets = json["target_modules"] is JsonArray array ? array.Select(t => t!.GetValue<string>()).ToList() : throw new InvalidDataException($"{path}: target_modules must be a list");
            return new LoraSettings(rank, alpha, dropout, targets);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed adapter config: {e.Message}", e);
        }
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
