using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Models;

/// <summary>
/// PEFT's <c>adapter_config.json</c> for a LoRA adapter: the settings PostTrain implements and the base model. Reading
/// is strict: a field that changes what the adapter computes and that PostTrain does not implement (DoRA, biases,
/// per-layer ranks, extra trained modules, <c>fan_in_fan_out</c>, a target regex) fails naming the field, rather than
/// loading an adapter that would compute something else.
/// </summary>
/// <param name="Settings">Rank, alpha, dropout, targets and rsLoRA.</param>
/// <param name="BaseModel">The base model, or null when the file names none.</param>
public sealed record PeftAdapterConfig(LoraSettings Settings, PeftBaseModel? BaseModel)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Reads <c>adapter_config.json</c> of <paramref name="directory"/>; null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or asks for what PostTrain does not implement; the message names the file and the field.</exception>
    public static PeftAdapterConfig? Read(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = Path.Combine(directory, Lora.ConfigFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
            return Parse(json, path);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed adapter config: {e.Message}", e);
        }
    }

    /// <summary>Writes this configuration as PEFT does into <paramref name="directory"/>.</summary>
    public void Write(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var json = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = BaseModel?.NameOrPath,
            ["revision"] = BaseModel?.Revision,
            ["r"] = Settings.Rank,
            ["lora_alpha"] = Settings.Alpha,
            ["lora_dropout"] = Settings.Dropout,
            ["target_modules"] = new JsonArray([.. Settings.TargetModules.Select(m => (JsonNode)m)]),
            ["use_rslora"] = Settings.UseRsLora,
            ["use_dora"] = false,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["modules_to_save"] = null,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["layers_to_transform"] = null,
            ["init_lora_weights"] = true,
            ["inference_mode"] = true,
        };
        File.WriteAllText(Path.Combine(directory, Lora.ConfigFile), json.ToJsonString(Indented));
    }

    private static PeftAdapterConfig Parse(JsonObject json, string path)
    {
        string Where(string field) => $"{path}: {field}";
        var peftType = json["peft_type"]?.GetValue<string>() ?? "LORA";
        if (peftType != "LORA")
        {
            throw new InvalidDataException($"{Where("peft_type")} is '{peftType}'; PostTrain loads LORA adapters only");
        }

        if (json["task_type"]?.GetValue<string>() is { } task && task != "CAUSAL_LM")
        {
            throw new InvalidDataException($"{Where("task_type")} is '{task}'; PostTrain loads CAUSAL_LM adapters only");
        }

        RefuseIf(json, "use_dora", n => n.GetValue<bool>(), "DoRA is not implemented", path);
        RefuseIf(json, "fan_in_fan_out", n => n.GetValue<bool>(), "Conv1D-style (transposed) weights are not implemented", path);
        RefuseIf(json, "lora_bias", n => n.GetValue<bool>(), "LoRA biases are not implemented", path);
        RefuseIf(json, "bias", n => n.GetValue<string>() != "none", "only 'none' is implemented (biases are not trained or loaded)", path);
        RefuseIf(json, "modules_to_save", n => n is JsonArray { Count: > 0 } or JsonValue, "fully trained extra modules are not loaded", path);
        RefuseIf(json, "rank_pattern", n => n is JsonObject { Count: > 0 }, "per-module ranks are not implemented", path);
        RefuseIf(json, "alpha_pattern", n => n is JsonObject { Count: > 0 }, "per-module alphas are not implemented", path);
        RefuseIf(json, "layers_to_transform", _ => true, "adapters on some layers only are not implemented", path);
        RefuseIf(json, "exclude_modules", n => n is not JsonArray { Count: 0 }, "excluded modules are not implemented", path);
        RefuseIf(json, "target_parameters", n => n is not JsonArray { Count: 0 }, "adapters on parameters are not implemented", path);

        var rank = json["r"]?.GetValue<int>() ?? throw new InvalidDataException($"{Where("r")} is missing");
        if (rank <= 0)
        {
            throw new InvalidDataException($"{Where("r")} must be positive, got {rank}");
        }

        var alpha = json["lora_alpha"]?.GetValue<double>() ?? 8; // PEFT's default
        var dropout = json["lora_dropout"]?.GetValue<double>() ?? 0;
        var useRsLora = json["use_rslora"]?.GetValue<bool>() ?? false;
        IReadOnlyList<string> targets = json["target_modules"] switch
        {
            JsonArray array => [.. array.Select(t => t!.GetValue<string>())],
            JsonValue value when value.GetValue<string>() == "all-linear" => LoraSettings.AllModules,
            JsonValue value => throw new InvalidDataException($"{Where("target_modules")} is the regular expression '{value.GetValue<string>()}'; PostTrain needs a list of module names ({string.Join(", ", LoraSettings.AllModules)}) or 'all-linear'"),
            _ => throw new InvalidDataException($"{Where("target_modules")} must be a list of module names"),
        };
        var unknown = targets.Except(LoraSettings.AllModules, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException($"{Where("target_modules")}: unknown module(s) {string.Join(", ", unknown)} (known: {string.Join(", ", LoraSettings.AllModules)})");
        }

        var baseModel = json["base_model_name_or_path"]?.GetValue<string>() is { Length: > 0 } name
            ? new PeftBaseModel(name, json["revision"]?.GetValue<string>())
            : null;
        return new PeftAdapterConfig(new LoraSettings(rank, alpha, dropout, targets, useRsLora), baseModel);
    }

    private static void RefuseIf(JsonObject json, string field, Func<JsonNode, bool> unsupported, string why, string path)
    {
        if (json[field] is { } node && unsupported(node))
        {
            throw new InvalidDataException($"{path}: {field} = {node.ToJsonString()}: {why} in PostTrain");
        }
    }
}
