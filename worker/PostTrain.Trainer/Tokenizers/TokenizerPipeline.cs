using PostTrain.Trainer.Tokenizers.PreTokenization;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// The stages around the BPE model, parsed from tokenizer.json, with their original JSON kept so that
/// the tokenizer can be written back unchanged.
/// </summary>
internal sealed record TokenizerPipeline(
    TextNormalizer? Normalizer,
    IPreTokenizer PreTokenizer,
    bool AddPrefixSpace,
    IReadOnlyList<int> PrefixIds,
    IReadOnlyList<int> SuffixIds,
    bool RecognizeAddedTokensInText,
    string NormalizerJson,
    string PreTokenizerJson,
    string PostProcessorJson,
    string DecoderJson);
