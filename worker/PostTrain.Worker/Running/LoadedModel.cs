using PostTrain.Trainer.Models;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Worker.Running;

/// <summary>A model ready to train or sample: weights, tokenizer and chat template, plus the ids generation needs.</summary>
public sealed class LoadedModel : IDisposable
{
    /// <summary>Bundles the parts.</summary>
    public LoadedModel(CausalLanguageModel model, ByteLevelBpeTokenizer tokenizer, ChatTemplate template, string source)
    {
        Model = model;
        Tokenizer = tokenizer;
        Template = template;
        Source = source;
        PadTokenId = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        var eos = new List<int>(model.Config.EosTokenIds);
        if (tokenizer.SpecialTokens.Eos is { } e && !eos.Contains(e.Id))
        {
            eos.Add(e.Id);
        }

        if (template.Name != "plain" && !eos.Contains(template.EndOfTurnId(tokenizer)))
        {
            eos.Add(template.EndOfTurnId(tokenizer));
        }

        EosTokenIds = eos;
    }

    /// <summary>The model.</summary>
    public CausalLanguageModel Model { get; }

    /// <summary>Its tokenizer.</summary>
    public ByteLevelBpeTokenizer Tokenizer { get; }

    /// <summary>Its chat template.</summary>
    public ChatTemplate Template { get; }

    /// <summary>Where it came from (for logs and adapter configs).</summary>
    public string Source { get; }

    /// <summary>
    /// The model as PEFT names it in the <c>base_model_name_or_path</c> of adapters trained on it: a repository id or the
    /// folder it was loaded from (null for built-in models, whose weights no repository or path holds).
    /// </summary>
    public PeftBaseModel? BaseModel { get; set; }

    /// <summary>The PEFT adapters (their sources) merged into the weights while loading, in order.</summary>
    public List<string> MergedAdapters { get; } = [];

    /// <summary>Padding id.</summary>
    public int PadTokenId { get; }

    /// <summary>Ids that end a response.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>The LoRA adapter attached by <see cref="ApplyLora"/>, if any.</summary>
    public LoraSettings? Lora { get; private set; }

    /// <summary>Attaches the job's LoRA adapters (every attention and MLP projection unless it names targets, as the CRD says) and freezes the base.</summary>
    public void ApplyLora(PostTrain.Api.Model.LoraSpec? spec, ulong seed)
    {
        if (spec is null)
        {
            return;
        }

        Lora = new LoraSettings(spec.Rank, spec.Alpha, spec.Dropout, spec.TargetModules is { Count: > 0 } t ? t : LoraSettings.AllModules);
        PostTrain.Trainer.Models.Lora.Apply(Model, Lora, seed);
    }

    /// <summary>What every checkpoint of a job on this model carries besides weights: tokenizer files and, with LoRA, the adapter.</summary>
    public void WriteCheckpointExtras(string directory)
    {
        SaveTokenizer(directory);
        if (Lora is not null)
        {
            PostTrain.Trainer.Models.Lora.SaveAdapter(Model, Lora, directory, BaseModel);
        }
    }

    /// <summary>Writes the tokenizer files (with chat template and special-token roles) into a checkpoint directory.</summary>
    public void SaveTokenizer(string directory)
    {
        var config = ReferenceEquals(Tokenizer, BuiltinTokenizers.Arithmetic)
            ? BuiltinTokenizers.ArithmeticConfig
            : new TokenizerConfig(Tokenizer.SpecialTokens.Bos?.Content, Tokenizer.SpecialTokens.Eos?.Content, Tokenizer.SpecialTokens.Pad?.Content, Tokenizer.SpecialTokens.Unk?.Content, Template.Jinja);
        TokenizerFiles.Save(Tokenizer, config, directory);
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
