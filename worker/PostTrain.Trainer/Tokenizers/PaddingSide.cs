namespace PostTrain.Trainer.Tokenizers;

/// <summary>Which end of a sequence gets the padding (or loses tokens to truncation).</summary>
public enum PaddingSide
{
    /// <summary>After the tokens: the usual choice for training.</summary>
    Right,

    /// <summary>Before the tokens: the usual choice for batched generation, so every prompt ends at the last column.</summary>
    Left,
}
