using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Tests.Models;

public class ModelConfigTests
{
    private const string Llama3 = """
        {"model_type":"llama","vocab_size":128256,"hidden_size":2048,"intermediate_size":8192,"num_hidden_layers":16,
         "num_attention_heads":32,"num_key_value_heads":8,"rms_norm_eps":1e-5,"rope_theta":500000.0,
         "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,"original_max_position_embeddings":8192,"rope_type":"llama3"},
         "max_position_embeddings":131072,"tie_word_embeddings":true,"torch_dtype":"bfloat16","bos_token_id":128000,"eos_token_id":[128001,128008,128009]}
        """;

    [Fact]
    public void Llama_3_2_1B_config_parses_with_rope_scaling_gqa_and_tied_embeddings()
    {
        var c = ModelConfig.Parse(Llama3);
        c.ModelType.ShouldBe("llama");
        c.HeadDim.ShouldBe(64);
        c.GroupSize.ShouldBe(4);
        c.RopeScaling.ShouldBe(new RopeScaling(32, 1, 4, 8192));
        c.EosTokenIds.ShouldBe([128001, 128008, 128009]);
        c.TieWordEmbeddings.ShouldBeTrue();
        c.AttentionBias.ShouldBeFalse();
        // Llama 3.2 1B has 1,235,814,400 parameters (embedding counted once, tied).
        c.ParameterCount.ShouldBe(1_235_814_400);
    }

    [Fact]
    public void Qwen2_has_qkv_bias_but_no_output_bias_and_Qwen3_has_qk_norm_with_explicit_head_dim()
    {
        var qwen2 = ModelConfig.Parse("""{"model_type":"qwen2","vocab_size":151936,"hidden_size":896,"intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,"num_key_value_heads":2,"tie_word_embeddings":true}""");
        qwen2.AttentionBias.ShouldBeTrue();
        qwen2.AttentionOutputBias.ShouldBeFalse();
        // Qwen2.5-0.5B: 494,032,768 parameters.
        qwen2.ParameterCount.ShouldBe(494_032_768);

        var qwen3 = ModelConfig.Parse("""{"model_type":"qwen3","vocab_size":151936,"hidden_size":1024,"intermediate_size":3072,"num_hidden_layers":28,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":128,"tie_word_embeddings":true}""");
        qwen3.QkNorm.ShouldBeTrue();
        qwen3.HeadDim.ShouldBe(128);
        // Qwen3-0.6B: 596,049,920 parameters.
        qwen3.ParameterCount.ShouldBe(596_049_920);
    }

    [Fact]
    public void Unknown_model_type_is_named_in_the_error()
    {
        var e = Should.Throw<ModelConfigException>(() => ModelConfig.Parse("""{"model_type":"gpt_neox","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2}""", "m/config.json"));
        e.Message.ShouldContain("m/config.json");
        e.Message.ShouldContain("model_type: unsupported model type 'gpt_neox'");
    }

    [Fact]
    public void Every_missing_or_invalid_field_is_reported_at_once()
    {
        var e = Should.Throw<ModelConfigException>(() => ModelConfig.Parse("""{"model_type":"llama","vocab_size":"many","hidden_size":8,"num_attention_heads":3,"num_key_value_heads":2}"""));
        e.Message.ShouldContain("vocab_size: expected an integer");
        e.Message.ShouldContain("intermediate_size: required field is missing");
        e.Message.ShouldContain("num_hidden_layers: required field is missing");
        e.Message.ShouldContain("num_key_value_heads: 2 does not divide num_attention_heads 3");
    }

    [Fact]
    public void Round_trips_through_its_own_json()
    {
        var c = ModelConfig.Parse(Llama3);
        ModelConfig.Parse(c.ToJson().ToJsonString()).ShouldBeEquivalentTo(c);
    }

    [Fact]
    public void Not_json_and_missing_file_are_clear_errors()
    {
        Should.Throw<ModelConfigException>(() => ModelConfig.Parse("{oops", "x/config.json")).Message.ShouldContain("x/config.json: not valid JSON");
        Should.Throw<ModelConfigException>(() => ModelConfig.Load("/nonexistent/config.json")).Message.ShouldContain("not found");
    }
}
