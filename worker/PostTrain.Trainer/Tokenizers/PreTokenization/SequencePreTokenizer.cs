namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>Runs pre-tokenizers one after another, each on every piece the previous one produced.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> stages) : IPreTokenizer
{
    /// <inheritdoc />
    public void Split(string text, TextSpan range, List<TextSpan> pieces)
    {
        if (stages.Count == 0)
        {
            pieces.Add(range);
            return;
        }

        if (stages.Count == 1)
        {
            stages[0].Split(text, range, pieces);
            return;
        }

        var current = new List<TextSpan> { range };
        var next = new List<TextSpan>();
        foreach (var stage in stages)
        {
            next.Clear();
            foreach (var piece in current)
            {
                stage.Split(text, piece, next);
            }

            (current, next) = (next, current);
        }

        pieces.AddRange(current);
    }
}
