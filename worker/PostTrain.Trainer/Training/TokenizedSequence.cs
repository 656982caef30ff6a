namespace PostTrain.Trainer.Training;

/// <summary>
/// One training sequence: token ids and, aligned with them, the ids the model is trained to produce at each position
/// (<see cref="Ignore"/> where it is not, e.g. on prompt tokens).
/// </summary>
/// <param name="InputIds">The tokens.</param>
/// <param name="Labels">Per token, its own id where it is a training target, else <see cref="Ignore"/>.</param>
public sealed record TokenizedSequence(int[] InputIds, int[] Labels)
{
    /// <summary>The label of a position that carries no loss (PyTorch's cross-entropy ignore_index).</summary>
    public const int Ignore = -100;

    /// <summary>Number of tokens.</summary>
    public int Length => InputIds.Length;

    /// <summary>Positions that contribute to the loss: trained tokens that have a token before them.</summary>
    public int TargetCount
    {
        get
        {
            var n = 0;
            for (var i = 1; i < Labels.Length; i++)
            {
                if (Labels[i] != Ignore)
                {
                    n++;
                }
            }

            return n;
        }
    }
}
