namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>What a Split pre-tokenizer does with the matches (delimiters), as in tokenizer.json's <c>behavior</c>.</summary>
internal enum SplitBehavior
{
    Isolated,
    Removed,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}
