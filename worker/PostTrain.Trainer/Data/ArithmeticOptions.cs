namespace PostTrain.Trainer.Data;

/// <summary>The shape of generated arithmetic word problems. Defaults keep numbers and text small enough for a tiny model.</summary>
public sealed record ArithmeticOptions
{
    /// <summary>The most operations a problem may have: longer chains than the default 3, for length-generalisation tests.</summary>
    public const int StepsLimit = 6;

    /// <summary>Fewest operations in a problem (1–<see cref="StepsLimit"/>).</summary>
    public int MinSteps { get; init; } = 1;

    /// <summary>Most operations in a problem (1–<see cref="StepsLimit"/>; default 3).</summary>
    public int MaxSteps { get; init; } = 3;

    /// <summary>Smallest starting value and operand.</summary>
    public int MinOperand { get; init; } = 1;

    /// <summary>Largest starting value and added or subtracted operand.</summary>
    public int MaxOperand { get; init; } = 10;

    /// <summary>Largest value any intermediate or final result may take (results never go below zero).</summary>
    public int MaxValue { get; init; } = 50;

    /// <summary>Whether steps may multiply (by 2 or 3: "doubles", "triples").</summary>
    public bool Multiplication { get; init; }

    /// <summary>
    /// Steps no problem may contain, as an operator and operand (<c>+5</c>, <c>-4</c>, <c>*2</c>): problems with any of them are
    /// skipped, so a split can leave out whole families of facts that another split or the test set needs. Empty by default.
    /// </summary>
    public IReadOnlyList<string> ExcludedSteps { get; init; } = [];

    /// <summary>
    /// Steps of which every problem must contain at least one (same notation as <see cref="ExcludedSteps"/>): with them a test
    /// set holds only the problems that need a fact family the worked solutions leave out. Empty (no requirement) by default.
    /// </summary>
    public IReadOnlyList<string> RequiredSteps { get; init; } = [];

    /// <summary>
    /// Which verbs the questions use (<see cref="ArithmeticVerbs"/>): the default six ("buys 3 more", "gives away 2"), six
    /// others that the default never uses and that carry no "more" ("wins 3", "drops 2"), or all twelve. With it the worked
    /// solutions can cover some phrasings while RL problems and the test set also need the others.
    /// </summary>
    public ArithmeticVerbs Verbs { get; init; } = ArithmeticVerbs.Default;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (MinSteps < 1 || MaxSteps > StepsLimit || MinSteps > MaxSteps)
        {
            throw new ArgumentException($"arithmetic steps must satisfy 1 <= minSteps <= maxSteps <= {StepsLimit}, got {MinSteps}..{MaxSteps}");
        }

        if (MinOperand < 0 || MaxOperand < MinOperand)
        {
            throw new ArgumentException($"arithmetic operands must satisfy 0 <= minOperand <= maxOperand, got {MinOperand}..{MaxOperand}");
        }

        foreach (var step in ExcludedSteps.Concat(RequiredSteps))
        {
            if (step.Length < 2 || step[0] is not ('+' or '-' or '*') || !step[1..].All(char.IsAsciiDigit))
            {
                throw new ArgumentException($"arithmetic step '{step}' (excludeSteps, requireSteps) is not an operator (+, - or *) followed by an operand, e.g. +5");
            }
        }

        if (MaxValue < MaxOperand)
        {
            throw new ArgumentException($"arithmetic maxValue ({MaxValue}) must be at least maxOperand ({MaxOperand})");
        }
    }
}

/// <summary>The verb sets of <see cref="ArithmeticOptions.Verbs"/>.</summary>
public enum ArithmeticVerbs
{
    /// <summary>buys, finds, gets (N more); gives away, loses, sells (N).</summary>
    Default,

    /// <summary>wins, earns, collects; drops, donates, trades (N, with no "more"): none of them appears with <see cref="Default"/>.</summary>
    Extra,

    /// <summary>Both sets, each step's verb drawn from all six of its operation.</summary>
    All,
}
