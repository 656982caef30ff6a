namespace PostTrain.Trainer.Models;

/// <summary>
/// Which <c>config.json</c> fields PostTrain reads, and which it may leave unread because they do not change what the
/// model computes. Any other field fails the load, named: a field that changed the model's behaviour and were
/// silently ignored would make PostTrain's numbers differ from Hugging Face's without a word.
/// </summary>
public static class ModelConfigFields
{
    /// <summary>
    /// Fields <see cref="ModelConfig.Parse"/> reads and implements, or checks against the one value it implements
    /// (<c>hidden_act</c> silu, <c>attention_dropout</c> 0, <c>pretraining_tp</c> 1, <c>use_mrope</c> false,
    /// <c>partial_rotary_factor</c> 1).
    /// </summary>
    public static IReadOnlySet<string> Implemented { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
        "num_key_value_heads", "head_dim", "rms_norm_eps", "rope_theta", "rope_scaling", "max_position_embeddings",
        "tie_word_embeddings", "attention_bias", "mlp_bias", "torch_dtype", "dtype", "bos_token_id", "eos_token_id",
        "sliding_window", "use_sliding_window", "max_window_layers", "layer_types",
        "hidden_act", "attention_dropout", "pretraining_tp", "use_mrope", "partial_rotary_factor",
    };

    /// <summary>
    /// Fields that describe the file, the Hugging Face Python classes or defaults of Hugging Face's <c>generate</c>
    /// (PostTrain's sampling comes from the job), and never what the network computes.
    /// </summary>
    public static IReadOnlySet<string> Metadata { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        // The file and the Python classes.
        "architectures", "_name_or_path", "transformers_version", "_attn_implementation_autoset", "use_cache",
        "initializer_range", "pad_token_id", "sep_token_id", "decoder_start_token_id", "tokenizer_class", "prefix",
        "output_attentions", "output_hidden_states", "return_dict", "torchscript", "use_bfloat16", "is_encoder_decoder",
        "is_decoder", "add_cross_attention", "tie_encoder_decoder", "cross_attention_hidden_size",
        "chunk_size_feed_forward", "pruned_heads", "id2label", "label2id", "num_labels", "problem_type",
        "finetuning_task", "task_specific_params", "tf_legacy_loss",

        // Defaults of Hugging Face's generate(), from before generation_config.json.
        "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty",
        "temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
        "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
        "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
        "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens",
    };

    /// <summary>Whether <paramref name="field"/> is implemented or metadata; anything else fails the load.</summary>
    public static bool IsKnown(string field) => Implemented.Contains(field) || Metadata.Contains(field);
}
