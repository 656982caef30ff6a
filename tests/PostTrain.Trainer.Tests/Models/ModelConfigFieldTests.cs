using System.Text.Json.Nodes;
using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>
/// Every config.json field is implemented, checked against the one value implemented, or metadata; anything else fails
/// the load naming the field. The sliding window is read as Hugging Face reads it for each model type.
/// </summary>
public sealed class ModelConfigFieldTests
{
    private const string Mistral7B = """
        {"architectures":["MistralForCausalLM"],"bos_token_id":1,"eos_token_id":2,"hidden_act":"silu","hidden_size":4096,
         "initializer_range":0.02,"intermediate_size":14336,"max_position_embeddings":32768,"model_type":"mistral",
         "num_attention_heads":32,"num_hidden_layers":32,"num_key_value_heads":8,"rms_norm_eps":1e-05,"rope_theta":10000.0,
         "sliding_window":4096,"tie_word_embeddings":false,"torch_dtype":"bfloat16","transformers_version":"4.34.0.dev0",
         "use_cache":true,"vocab_size":32000}
        """;

    private const string Qwen25 = """
        {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,"eos_token_id":151645,
         "hidden_act":"silu","hidden_size":896,"initializer_range":0.02,"intermediate_size":4864,"max_position_embeddings":32768,
         "max_window_layers":21,"model_type":"qwen2","num_attention_heads":14,"num_hidden_layers":24,"num_key_value_heads":2,
         "rms_norm_eps":1e-06,"rope_theta":1000000.0,"sliding_window":32768,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
         "transformers_version":"4.43.1","use_cache":true,"use_sliding_window":false,"vocab_size":151936}
        """;

    private const string Qwen3 = """
        {"architectures":["Qwen3ForCausalLM"],"attention_bias":false,"attention_dropout":0.0,"bos_token_id":151643,
         "eos_token_id":151645,"head_dim":128,"hidden_act":"silu","hidden_size":1024,"initializer_range":0.02,
         "intermediate_size":3072,"max_position_embeddings":40960,"max_window_layers":28,"model_type":"qwen3",
         "num_attention_heads":16,"num_hidden_layers":28,"num_key_value_heads":8,"rms_norm_eps":1e-06,"rope_scaling":null,
         "rope_theta":1000000,"sliding_window":null,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
         "transformers_version":"4.51.0","use_cache":true,"use_sliding_window":false,"vocab_size":151936}
        """;

    private const string Llama32 = """
        {"architectures":["LlamaForCausalLM"],"attention_bias":false,"attention_dropout":0.0,"bos_token_id":128000,
         "eos_token_id":128001,"head_dim":64,"hidden_act":"silu","hidden_size":2048,"initializer_range":0.02,
         "intermediate_size":8192,"max_position_embeddings":131072,"mlp_bias":false,"model_type":"llama",
         "num_attention_heads":32,"num_hidden_layers":16,"num_key_value_heads":8,"pretraining_tp":1,"rms_norm_eps":1e-05,
         "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,"original_max_position_embeddings":8192,"rope_type":"llama3"},
         "rope_theta":500000.0,"tie_word_embeddings":true,"torch_dtype":"bfloat16","transformers_version":"4.45.0.dev0",
         "use_cache":true,"vocab_size":128256}
        """;

    [Fact]
    public void Real_configs_load_with_the_window_hugging_face_would_use()
    {
        var mistral = ModelConfig.Parse(Mistral7B);
        mistral.SlidingWindow.ShouldBe(4096);
        mistral.WindowOf(0).ShouldBe(4096);
        mistral.WindowOf(31).ShouldBe(4096);

        // Qwen2.5 and Qwen3 name a window but do not use it (use_sliding_window: false).
        ModelConfig.Parse(Qwen25).SlidingWindow.ShouldBeNull();
        ModelConfig.Parse(Qwen3).SlidingWindow.ShouldBeNull();
        ModelConfig.Parse(Llama32).SlidingWindow.ShouldBeNull();
    }

    [Fact]
    public void Qwen_with_use_sliding_window_attends_fully_below_max_window_layers()
    {
        var qwen = ModelConfig.Parse(Edit(Qwen25, c => c["use_sliding_window"] = true));
        qwen.SlidingWindow.ShouldBe(32768);
        qwen.FullAttentionLayers.ShouldBe(21);
        qwen.WindowOf(20).ShouldBeNull();
        qwen.WindowOf(21).ShouldBe(32768);
        ModelConfig.Parse(Edit(Qwen25, c => { c["use_sliding_window"] = true; c.Remove("max_window_layers"); })).FullAttentionLayers.ShouldBe(28);
    }

    [Fact]
    public void A_windowed_config_survives_a_save_and_load()
    {
        foreach (var config in new[] { ModelFixtures.Mistral, ModelFixtures.Qwen2Windowed, ModelConfig.Parse(Mistral7B) })
        {
            ModelConfig.Parse(config.ToJson().ToJsonString()).ShouldBeEquivalentTo(config);
        }
    }

    [Theory]
    [InlineData("quantization_config", """{"quant_method":"gptq","bits":4}""")]
    [InlineData("auto_map", """{"AutoModelForCausalLM":"modeling_custom.CustomForCausalLM"}""")]
    [InlineData("rope_parameters", """{"rope_type":"default","rope_theta":10000.0}""")]
    [InlineData("logits_scaling", "8.0")]
    [InlineData("attn_logit_softcapping", "50.0")]
    public void A_field_posttrain_does_not_implement_fails_naming_it(string field, string value)
    {
        var e = Should.Throw<ModelConfigException>(() => ModelConfig.Parse(Edit(Mistral7B, c => c[field] = JsonNode.Parse(value)), "m/config.json"));
        e.Message.ShouldStartWith("m/config.json: ");
        e.Message.ShouldContain($"{field}: not implemented by PostTrain");
    }

    [Fact]
    public void Every_unimplemented_field_is_named_in_one_error()
    {
        var e = Should.Throw<ModelConfigException>(() => ModelConfig.Parse(Edit(Llama32, c =>
        {
            c["hidden_act"] = "gelu";
            c["attention_dropout"] = 0.1;
            c["pretraining_tp"] = 2;
            c["partial_rotary_factor"] = 0.5;
            c["new_thing"] = true;
        })));
        e.Message.ShouldContain("hidden_act: 'gelu' is not implemented");
        e.Message.ShouldContain("attention_dropout: 0.1 is not implemented");
        e.Message.ShouldContain("pretraining_tp: 2 is not implemented");
        e.Message.ShouldContain("partial_rotary_factor: 0.5 is not implemented");
        e.Message.ShouldContain("new_thing: not implemented by PostTrain");
    }

    [Fact]
    public void A_window_the_model_type_would_not_use_or_cannot_describe_fails()
    {
        Should.Throw<ModelConfigException>(() => ModelConfig.Parse(Edit(Llama32, c => c["sliding_window"] = 4096)))
            .Message.ShouldContain("sliding_window: model_type 'llama' has no sliding-window attention");
        Should.Throw<ModelConfigException>(() => ModelConfig.Parse(Edit(Mistral7B, c => c["use_sliding_window"] = true)))
            .Message.ShouldContain("use_sliding_window: only qwen2 and qwen3 read it");
        Should.Throw<ModelConfigException>(() => ModelConfig.Parse(Edit(Qwen25, c => { c["use_sliding_window"] = true; c["sliding_window"] = null; })))
            .Message.ShouldContain("sliding_window: use_sliding_window is true but sliding_window is missing or null");
        Should.Throw<ModelConfigException>(() => ModelConfig.Parse(Edit(Mistral7B, c => c["sliding_window"] = 0)))
            .Message.ShouldContain("sliding_window: must be a positive integer or null");

        // layer_types must say what the window fields say: an alternating pattern is not implemented.
        var alternating = new JsonArray([.. Enumerable.Range(0, 28).Select(i => (JsonNode)(i % 2 == 0 ? "sliding_attention" : "full_attention"))]);
        Should.Throw<ModelConfigException>(() => ModelConfig.Parse(Edit(Qwen3, c => c["layer_types"] = alternating)))
            .Message.ShouldContain("layer_types: expected 28 entries saying what sliding_window/use_sliding_window/max_window_layers say (28 × full_attention)");
        var full = new JsonArray([.. Enumerable.Range(0, 28).Select(_ => (JsonNode)"full_attention")]);
        ModelConfig.Parse(Edit(Qwen3, c => c["layer_types"] = full)).SlidingWindow.ShouldBeNull();
    }

    [Fact]
    public void Newer_transformers_dtype_field_is_read_as_torch_dtype()
    {
        ModelConfig.Parse(Edit(Qwen3, c => { c.Remove("torch_dtype"); c["dtype"] = "bfloat16"; })).TorchDtype.ShouldBe("bfloat16");
    }

    private static string Edit(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }
}
