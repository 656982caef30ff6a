namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// A token added on top of the BPE vocabulary, as in tokenizer.json's <c>added_tokens</c>. When the
/// tokenizer recognises added tokens in text, each occurrence of <see cref="Content"/> becomes one id and
/// the text around it is tokenized separately (leftmost, longest match first).
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text of the token.</param>
/// <param name="Special">Special tokens are left out by <see cref="ITokenizer.Decode"/> with skipSpecialTokens.</param>
/// <param name="SingleWord">Only match where the occurrence is not inside a word.</param>
/// <param name="LStrip">The match swallows whitespace on its left.</param>
/// <param name="RStrip">The match swallows whitespace on its right.</param>
/// <param name="Normalized">Hugging Face matches such tokens on normalised text; they are matched on the raw text here, which is the same for the usual ASCII spellings.</param>
public sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord = false, bool LStrip = false, bool RStrip = false, bool Normalized = false);
