namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>A rendered template: the text, where tracked input text landed in it, and the spans <c>{% generation %}</c> blocks wrote.</summary>
/// <param name="Text">The rendered text.</param>
/// <param name="Pieces">Runs of the text that came from tracked inputs, in order.</param>
/// <param name="GenerationSpans">Start and end offsets of text written inside <c>{% generation %}</c>.</param>
internal sealed record JinjaRendering(string Text, IReadOnlyList<TextProvenance.Piece> Pieces, IReadOnlyList<(int Start, int End)> GenerationSpans);
