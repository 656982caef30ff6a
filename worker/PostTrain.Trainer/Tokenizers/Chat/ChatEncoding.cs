namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>
/// A conversation rendered to token ids, with <see cref="AssistantMask"/> marking (1) the tokens the
/// assistant produced — its message content and its end-of-turn token — and 0 everywhere else (system and
/// user turns, role headers, the generation prompt, separators). SFT computes its loss where the mask is 1.
/// </summary>
/// <param name="InputIds">The token ids.</param>
/// <param name="AssistantMask">One entry per id: 1 on assistant-produced tokens, else 0.</param>
public sealed record ChatEncoding(int[] InputIds, int[] AssistantMask)
{
    /// <summary>The number of tokens.</summary>
    public int Length => InputIds.Length;
}
