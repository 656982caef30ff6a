// Over 500 lines on purpose: one record for config.json, whose fields, per-family defaults and checks must agree with
// each other; splitting them would spread one contract (what a model of each family reads and refuses) over files.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Models;

/// <summary>
/// A decoder-only transformer of the Llama family as Hugging Face's <c>config.json</c> describes it:
/// Llama 2 and 3 (with llama3 <c>rope_scaling</c>), Qwen2/2.5 (qkv bias), Qwen3 (q/k RMS norm) and Mistral.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The <c>model_type</c> values this trainer understands.</summary>
    public static readonly IReadOnlyList<string> SupportedModelTypes = ["llama", "mistral", "qwen2", "qwen3"];

    /// <summary>Hugging Face <c>model_type</c>: llama, mistral, qwen2 or qwen3.</summary>
    public required string ModelType { get; init; }

    /// <summary>Vocabulary size (rows of the embedding table).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the SwiGLU feed-forward layer.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Number of decoder layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Number of query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Number of key/value heads (grouped-query attention when fewer than query heads).</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>Width of one attention head (Qwen3 sets it explicitly; otherwise hidden / heads).</summary>
    public required int HeadDim { get; init; }

    /// <summary>Epsilon of every RMS norm.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>RoPE base frequency.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>Optional llama3-style RoPE frequency scaling.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Longest sequence the positional encoding is meant for.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>Whether the output projection shares the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q, k and v projections carry a bias (Qwen2 always; Llama when <c>attention_bias</c>).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Whether the output projection of attention carries a bias (Llama's <c>attention_bias</c>; never in Qwen2).</summary>
    public bool AttentionOutputBias { get; init; }

    /// <summary>Whether the MLP projections carry biases (Llama's <c>mlp_bias</c>).</summary>
    public bool MlpBias { get; init; }

    /// <summary>Whether queries and keys get a per-head RMS norm before RoPE (Qwen3).</summary>
    public bool QkNorm { get; init; }

    /// <summary>The dtype the weights are stored in (<c>torch_dtype</c>): float32, bfloat16 or float16.</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>Beginning-of-sequence token id, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence token ids (config.json allows one or a list).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>
    /// Keys a query may attend to, itself included: key j is seen from query i when i − window &lt; j ≤ i (Mistral's
    /// <c>sliding_window</c>; Qwen2/3's when <c>use_sliding_window</c>). Null for full causal attention.
    /// </summary>
    public int? SlidingWindow { get; init; }

    /// <summary>How many leading layers attend fully despite <see cref="SlidingWindow"/> (Qwen's <c>max_window_layers</c>; 0 for Mistral).</summary>
    public int FullAttentionLayers { get; init; }

    /// <summary>Number of query heads that share one key/value head.</summary>
    public int GroupSize => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>The sliding window of layer <paramref name="layer"/>, or null when it attends to every earlier key.</summary>
    public int? WindowOf(int layer) => SlidingWindow is { } window && layer >= FullAttentionLayers ? window : null;

    /// <summary>Parameter count implied by the configuration (embedding included once when tied).</summary>
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize, q = (long)NumAttentionHeads * HeadDim, kv = (long)NumKeyValueHeads * HeadDim;
            long attention = (h * q) + (2 * h * kv) + (q * h) + (AttentionBias ? q + (2 * kv) : 0) + (AttentionOutputBias ? h : 0);
            long mlp = (3 * h * IntermediateSize) + (MlpBias ? (2 * IntermediateSize) + h : 0);
            long norms = (2 * h) + (QkNorm ? 2L * HeadDim : 0);
            long perLayer = attention + mlp + norms;
            long embeddings = (long)VocabSize * h * (TieWordEmbeddings ? 1 : 2);
            return embeddings + (NumHiddenLayers * perLayer) + h;
        }
    }

    /// <summary>Reads and validates a <c>config.json</c> file.</summary>
    /// <exception cref="ModelConfigException">The file is missing, not JSON, or a field is missing or invalid.</exception>
    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelConfigException($"{path}: model config not found");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates the text of a <c>config.json</c>; <paramref name="origin"/> names it in errors.</summary>
    /// <exception cref="ModelConfigException">A field is missing or invalid; every problem is listed.</exception>
    public static ModelConfig Parse(string json, string origin = "config.json")
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ModelConfigException($"{origin}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"{origin}: not valid JSON: {e.Message}", e);
        }

        var reader = new ConfigReader(root, origin);
        var modelType = reader.String("model_type");
        if (modelType is not null && !SupportedModelTypes.Contains(modelType))
        {
            reader.Error("model_type", $"unsupported model type '{modelType}' (supported: {string.Join(", ", SupportedModelTypes)})");
        }

        var hidden = reader.Int("hidden_size");
        var heads = reader.Int("num_attention_heads");
        var kvHeads = reader.OptionalInt("num_key_value_heads") ?? heads;
        var headDim = reader.OptionalInt("head_dim") ?? (hidden > 0 && heads > 0 ? hidden / heads : 0);
        var config = new ModelConfig
        {
            ModelType = modelType ?? string.Empty,
            VocabSize = reader.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = reader.Int("intermediate_size"),
            NumHiddenLayers = reader.Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = reader.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = reader.OptionalDouble("rope_theta") ?? 10000.0,
            RopeScaling = ParseRopeScaling(reader, root["rope_scaling"]),
            MaxPositionEmbeddings = reader.OptionalInt("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = reader.OptionalBool("tie_word_embeddings") ?? false,
            AttentionBias = modelType == "qwen2" || (reader.OptionalBool("attention_bias") ?? false),
            AttentionOutputBias = modelType != "qwen2" && (reader.OptionalBool("attention_bias") ?? false),
            MlpBias = reader.OptionalBool("mlp_bias") ?? false,
            QkNorm = modelType == "qwen3",
            TorchDtype = reader.OptionalString("torch_dtype") ?? reader.OptionalString("dtype") ?? "float32",
            BosTokenId = reader.OptionalInt("bos_token_id"),
            EosTokenIds = reader.IntOrIntList("eos_token_id"),
        };

        var (window, fullLayers) = ParseSlidingWindow(reader, root, modelType, config.NumHiddenLayers);
        config = config with { SlidingWindow = window, FullAttentionLayers = fullLayers };
        CheckFixedValues(reader);
        foreach (var (field, _) in root)
        {
            if (!ModelConfigFields.IsKnown(field))
            {
                reader.Error(field, "not implemented by PostTrain; a field that may change what the model computes is never ignored (docs/trainer.md, \"Model configs\")");
            }
        }

        if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0)
        {
            reader.Error("num_key_value_heads", $"{kvHeads} does not divide num_attention_heads {heads}");
        }

        if (config.HeadDim % 2 != 0)
        {
            reader.Error("head_dim", $"{config.HeadDim} must be even for rotary embeddings");
        }

        if (config.TorchDtype is not ("float32" or "bfloat16" or "float16"))
        {
            reader.Error("torch_dtype", $"unsupported dtype '{config.TorchDtype}' (float32, bfloat16 or float16)");
        }

        reader.ThrowIfErrors();
        return config;
    }

    /// <summary>Serialises the configuration as a Hugging Face <c>config.json</c> object.</summary>
    public JsonObject ToJson()
    {
        var architectures = ModelType switch
        {
            "qwen2" => "Qwen2ForCausalLM",
            "qwen3" => "Qwen3ForCausalLM",
            "mistral" => "MistralForCausalLM",
            _ => "LlamaForCausalLM",
        };
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(architectures),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype,
        };
        if (ModelType is "llama" or "mistral")
        {
            json["attention_bias"] = AttentionOutputBias;
            json["mlp_bias"] = MlpBias;
        }

        if (SlidingWindow is { } window)
        {
            json["sliding_window"] = window;
            if (ModelType is "qwen2" or "qwen3")
            {
                json["use_sliding_window"] = true;
                json["max_window_layers"] = FullAttentionLayers;
            }
        }

        if (RopeScaling is { } scaling)
        {
            json["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3",
                ["factor"] = scaling.Factor,
                ["low_freq_factor"] = scaling.LowFreqFactor,
                ["high_freq_factor"] = scaling.HighFreqFactor,
                ["original_max_position_embeddings"] = scaling.OriginalMaxPositionEmbeddings,
            };
        }

        if (BosTokenId is { } bos)
        {
            json["bos_token_id"] = bos;
        }

        if (EosTokenIds.Count == 1)
        {
            json["eos_token_id"] = EosTokenIds[0];
        }
        else if (EosTokenIds.Count > 1)
        {
            json["eos_token_id"] = new JsonArray([.. EosTokenIds.Select(id => (JsonNode)id)]);
        }

        return json;
    }

    /// <summary>
    /// The sliding window as Hugging Face reads it: Mistral's <c>sliding_window</c> on every layer; Qwen2/3's only with
    /// <c>use_sliding_window</c>, from layer <c>max_window_layers</c> on (28 when absent, as there); Llama has none.
    /// <c>layer_types</c>, when given, must say the same.
    /// </summary>
    private static (int? Window, int FullLayers) ParseSlidingWindow(ConfigReader reader, JsonObject root, string? modelType, int layers)
    {
        var window = reader.OptionalInt("sliding_window");
        var use = reader.OptionalBool("use_sliding_window");
        var maxWindowLayers = reader.OptionalInt("max_window_layers");
        if (window is <= 0)
        {
            reader.Error("sliding_window", $"must be a positive integer or null, got {window}");
            window = null;
        }

        (int? Window, int FullLayers) result = (null, 0);
        switch (modelType)
        {
            case "mistral":
                result = (window, 0);
                break;
            case "qwen2" or "qwen3" when use == true:
                if (window is null)
                {
                    reader.Error("sliding_window", "use_sliding_window is true but sliding_window is missing or null");
                }

                result = (window, Math.Max(0, maxWindowLayers ?? 28));
                break;
            case "qwen2" or "qwen3":
                break;
            default:
                if (window is not null)
                {
                    reader.Error("sliding_window", $"model_type '{modelType}' has no sliding-window attention (Hugging Face ignores it there too); use model_type mistral for a windowed model");
                }

                break;
        }

        if (use == true && modelType is not ("qwen2" or "qwen3"))
        {
            reader.Error("use_sliding_window", $"only qwen2 and qwen3 read it; model_type '{modelType}' would ignore it");
        }

        if (root["layer_types"] is { } types)
        {
            var expected = Enumerable.Range(0, layers).Select(i => result.Window is not null && i >= result.FullLayers ? "sliding_attention" : "full_attention").ToList();
            var given = types is JsonArray array && array.All(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                ? array.Select(t => t!.GetValue<string>()).ToList()
                : null;
            if (given is null || !given.SequenceEqual(expected))
            {
                reader.Error("layer_types", $"expected {layers} entries saying what sliding_window/use_sliding_window/max_window_layers say ({Describe(expected)}), got {types.ToJsonString()}; other patterns are not implemented");
            }
        }

        return result;
    }

    private static string Describe(List<string> types) =>
        string.Join(", ", types.GroupBy(t => t).Select(g => $"{g.Count()} × {g.Key}"));

    /// <summary>Fields PostTrain implements for one value only: any other value fails, naming the field.</summary>
    private static void CheckFixedValues(ConfigReader reader)
    {
        if (reader.OptionalString("hidden_act") is { } act && act is not ("silu" or "swish"))
        {
            reader.Error("hidden_act", $"'{act}' is not implemented (the MLP is SwiGLU with silu)");
        }

        if (reader.OptionalDouble("attention_dropout") is { } dropout && dropout != 0)
        {
            reader.Error("attention_dropout", $"{dropout} is not implemented (attention has no dropout here)");
        }

        if (reader.OptionalInt("pretraining_tp") is { } tp && tp != 1)
        {
            reader.Error("pretraining_tp", $"{tp} is not implemented (only 1: the projections are not split)");
        }

        if (reader.OptionalBool("use_mrope") == true)
        {
            reader.Error("use_mrope", "multimodal RoPE is not implemented");
        }

        if (reader.OptionalDouble("partial_rotary_factor") is { } partial && partial != 1)
        {
            reader.Error("partial_rotary_factor", $"{partial} is not implemented (RoPE covers the whole head)");
        }
    }

    private static RopeScaling? ParseRopeScaling(ConfigReader reader, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject scaling)
        {
            reader.Error("rope_scaling", "expected an object or null");
            return null;
        }

        var type = (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>();
        if (type is "default")
        {
            return null;
        }

        if (type != "llama3")
        {
            reader.Error("rope_scaling.rope_type", $"unsupported RoPE scaling '{type}' (supported: llama3)");
            return null;
        }

        var sub = new ConfigReader(scaling, reader.Origin, "rope_scaling.", reader);
        return new RopeScaling(
            sub.Double("factor"),
            sub.Double("low_freq_factor"),
            sub.Double("high_freq_factor"),
            sub.Int("original_max_position_embeddings"));
    }

    /// <summary>Reads typed fields, collecting every problem so one error can name them all.</summary>
    private sealed class ConfigReader(JsonObject root, string origin, string prefix = "", ConfigReader? parent = null)
    {
        private readonly List<string> _errors = parent?._errors ?? [];

        public string Origin => origin;

        public void Error(string field, string message) => _errors.Add($"{prefix}{field}: {message}");

        public void ThrowIfErrors()
        {
            if (_errors.Count > 0)
            {
                throw new ModelConfigException($"{origin}: {string.Join("; ", _errors)}");
            }
        }

        public string? String(string field)
        {
            var value = OptionalString(field);
            if (value is null && root[field] is null)
            {
                Error(field, "required field is missing");
            }

            return value;
        }

        public string? OptionalString(string field) => Read(field, n => n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null, "a string");

        public int Int(string field)
        {
            if (root[field] is null)
            {
                Error(field, "required field is missing");
                return 0;
            }

            var value = OptionalInt(field) ?? 0;
            if (value <= 0)
            {
                Error(field, $"must be a positive integer, got {root[field]!.ToJsonString()}");
            }

            return value;
        }

        public int? OptionalInt(string field) => Read<int?>(field, n => n.GetValueKind() == JsonValueKind.Number && n.AsValue().TryGetValue<int>(out var i) ? i : null, "an integer");

        public double Double(string field)
        {
            if (root[field] is null)
            {
                Error(field, "required field is missing");
                return 0;
            }

            return OptionalDouble(field) ?? 0;
        }

        public double? OptionalDouble(string field) => Read<double?>(field, n => n.GetValueKind() == JsonValueKind.Number ? n.GetValue<double>() : null, "a number");

        public bool? OptionalBool(string field) => Read<bool?>(field, n => n.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? n.GetValue<bool>() : null, "true or false");

        public IReadOnlyList<int> IntOrIntList(string field)
        {
            var node = root[field];
            if (node is null)
            {
                return [];
            }

            if (node is JsonArray array)
            {
                var ids = new List<int>();
                foreach (var item in array)
                {
                    if (item is JsonValue v && v.TryGetValue<int>(out var id))
                    {
                        ids.Add(id);
                    }
                    else
                    {
                        Error(field, "expected an integer or a list of integers");
                        return [];
                    }
                }

                return ids;
            }

            return OptionalInt(field) is { } single ? [single] : [];
        }

        private T? Read<T>(string field, Func<JsonNode, T?> convert, string expected)
        {
            var node = root[field];
            if (node is null)
            {
                return default;
            }

            var value = convert(node);
            if (value is null)
            {
                Error(field, $"expected {expected}, got {node.ToJsonString()}");
            }

            return value;
        }
    }

}
