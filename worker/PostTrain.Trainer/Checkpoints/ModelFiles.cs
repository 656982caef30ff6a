using PostTrain.Trainer.Models;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Checkpoints;

/// <summary>The files of a Hugging Face model repository that loading a model reads, and so the ones fetched from the hub.</summary>
public static class ModelFiles
{
    /// <summary>
    /// Weights and their index, config.json and generation_config.json, the tokenizer (tokenizer.json, or GPT-2's
    /// vocab.bpe and encoder.json), tokenizer_config.json and special_tokens_map.json, chat_template.jinja (where newer
    /// repositories keep the chat template), and a PEFT adapter's adapter_config.json.
    /// </summary>
    public static IReadOnlyList<string> Patterns { get; } =
    [
        "config.json", "*.safetensors", "model.safetensors.index.json", "generation_config.json", "tokenizer.json",
        "tokenizer_config.json", ChatTemplateFiles.JinjaFileName, "special_tokens_map.json", "vocab.bpe", "encoder.json",
        Lora.ConfigFile,
    ];
}
