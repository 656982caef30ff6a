using PostTrain.Torch;
using PostTrain.Trainer.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>Small random configurations of each family, and helpers to make every weight matter.</summary>
internal static class ModelFixtures
{
    public static ModelConfig Llama3 => ModelConfig.Parse("""
        {"model_type":"llama","vocab_size":97,"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,
         "num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-5,"rope_theta":500000.0,
         "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":16},
         "tie_word_embeddings":false,"torch_dtype":"float32","bos_token_id":1,"eos_token_id":2}
        """);

    public static ModelConfig Qwen3 => ModelConfig.Parse("""
        {"model_type":"qwen3","vocab_size":89,"hidden_size":64,"intermediate_size":96,"num_hidden_layers":2,
         "num_attention_heads":4,"num_key_value_heads":2,"head_dim":24,"rms_norm_eps":1e-6,"rope_theta":1000000.0,
         "tie_word_embeddings":true,"torch_dtype":"float32","eos_token_id":[2,3]}
        """);

    public static ModelConfig Qwen2 => ModelConfig.Parse("""
        {"model_type":"qwen2","vocab_size":71,"hidden_size":48,"intermediate_size":80,"num_hidden_layers":2,
         "num_attention_heads":6,"num_key_value_heads":2,"rms_norm_eps":1e-6,"rope_theta":10000.0,
         "tie_word_embeddings":true,"torch_dtype":"float32"}
        """);

    /// <summary>Mistral with a sliding window of 8 keys on every layer, as the 20–40 token example.</summary>
    public static ModelConfig Mistral => ModelConfig.Parse("""
        {"model_type":"mistral","vocab_size":83,"hidden_size":64,"intermediate_size":112,"num_hidden_layers":3,
         "num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-5,"rope_theta":10000.0,"sliding_window":8,
         "hidden_act":"silu","attention_dropout":0.0,"tie_word_embeddings":false,"torch_dtype":"float32","eos_token_id":2}
        """);

    /// <summary>Qwen2 with use_sliding_window: the first layer attends fully, the second through a window of 5.</summary>
    public static ModelConfig Qwen2Windowed => ModelConfig.Parse("""
        {"model_type":"qwen2","vocab_size":83,"hidden_size":48,"intermediate_size":80,"num_hidden_layers":2,
         "num_attention_heads":6,"num_key_value_heads":2,"rms_norm_eps":1e-6,"rope_theta":10000.0,
         "use_sliding_window":true,"sliding_window":5,"max_window_layers":1,"tie_word_embeddings":true,"torch_dtype":"float32"}
        """);

    /// <summary>Adds noise to every parameter, norms and biases included, so no weight is trivially zero or one.</summary>
    public static void Perturb(CausalLanguageModel model, ulong seed, double scale = 0.05)
    {
        using var generator = new Generator(seed);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        foreach (var (_, p) in model.NamedParameters())
        {
            p.AddInPlace(TorchOps.RandN(p.Shape, ScalarType.Float32, null, generator).To(p.DType) * scale);
        }
    }

    public static Tensor Ids(long[][] rows) =>
        TorchOps.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);

    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = TorchScope.NewDisposeScope();
        return (a - b).Abs().Max().ToArray<float>()[0];
    }
}
