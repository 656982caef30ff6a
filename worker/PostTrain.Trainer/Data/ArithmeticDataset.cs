using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Data;

/// <summary>
/// <c>builtin://arithmetic</c>: seeded synthetic multi-step arithmetic word problems in GSM8K's style, e.g.
/// "Tom has 3 apples. He buys 5 more. Then he gives away 2. How many apples does Tom have now?" with the solution
/// "3 + 5 = 8\n8 - 2 = 6\n#### 6". Three disjoint splits serve the SFT → RLVR demo: a small <see cref="ArithmeticSplit.Sft"/>
/// set with worked solutions, a large <see cref="ArithmeticSplit.Rl"/> set with only checkable answers, and a held-out
/// <see cref="ArithmeticSplit.Test"/> set.
/// </summary>
public static class ArithmeticDataset
{
    private static readonly (string Name, string Subject, string Possessive)[] People =
    [
        ("Tom", "He", "his"), ("Anna", "She", "her"), ("Sam", "He", "his"), ("Mia", "She", "her"),
        ("Ben", "He", "his"), ("Lily", "She", "her"), ("Max", "He", "his"), ("Emma", "She", "her"),
    ];

    private static readonly string[] Items = ["apples", "marbles", "books", "coins", "stickers", "pencils", "cards", "shells"];
    private static readonly string[] AddVerbs = ["buys", "finds", "gets"];
    private static readonly string[] SubtractVerbs = ["gives away", "loses", "sells"];
    private static readonly string[] ExtraAddVerbs = ["wins", "earns", "collects"];
    private static readonly string[] ExtraSubtractVerbs = ["drops", "donates", "trades"];

    /// <summary>Which split a problem with this arithmetic signature belongs to (a fixed hash partition: 15% sft, 70% rl, 15% test).</summary>
    public static ArithmeticSplit SplitOf(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var bucket = Fnv1a(signature) % 100;
        return bucket < 15 ? ArithmeticSplit.Test : bucket < 30 ? ArithmeticSplit.Sft : ArithmeticSplit.Rl;
    }

    /// <summary>
    /// Generates <paramref name="count"/> distinct problems of <paramref name="split"/>; the same seed and options give the
    /// same list. Throws <see cref="ArgumentException"/> when the options allow too few distinct problems.
    /// </summary>
    public static IReadOnlyList<ArithmeticProblem> Generate(ArithmeticOptions options, ArithmeticSplit split, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new SplitMix64(((ulong)(uint)seed << 8) ^ (ulong)split ^ 0xA5A5_0000UL);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<ArithmeticProblem>(count);
        var attempts = 0L;
        var maxAttempts = (count * 400L) + 20_000;
        while (problems.Count < count)
        {
            if (++attempts > maxAttempts)
            {
                throw new ArgumentException(
                    $"builtin arithmetic: found only {problems.Count} distinct {split.ToString().ToLowerInvariant()} problems of the {count} asked for with these options " +
                    $"(steps {options.MinSteps}-{options.MaxSteps}, operands {options.MinOperand}-{options.MaxOperand}, max value {options.MaxValue}); widen the ranges or ask for fewer");
            }

            var problem = TryGenerateOne(options, rng);
            if (problem is not null && SplitOf(problem.Signature) == split && !HasAnyStep(problem.Signature, options.ExcludedSteps) &&
                (options.RequiredSteps.Count == 0 || HasAnyStep(problem.Signature, options.RequiredSteps)) && seen.Add(problem.Signature))
            {
                problems.Add(problem);
            }
        }

        return problems;
    }

    /// <summary>The generated problems as <see cref="Example"/>s: sft items carry the worked solution as completion; rl and test items only the answer.</summary>
    public static IReadOnlyList<Example> GenerateExamples(ArithmeticOptions options, ArithmeticSplit split, int count, int seed)
    {
        var name = split.ToString().ToLowerInvariant();
        return Generate(options, split, count, seed)
            .Select((p, i) => new Example
            {
                Id = $"arithmetic/{name}/{i}",
                Prompt = p.Question,
                Completion = split == ArithmeticSplit.Sft ? p.Solution : null,
                ReferenceAnswer = p.Answer.ToString(CultureInfo.InvariantCulture),
                Source = "builtin://arithmetic?split=" + name,
                SourceLine = i + 1,
            })
            .ToList();
    }

    private static ArithmeticProblem? TryGenerateOne(ArithmeticOptions options, SplitMix64 rng)
    {
        var (name, subject, possessive) = People[rng.NextBelow((ulong)People.Length)];
        var item = Items[rng.NextBelow((ulong)Items.Length)];
        var steps = rng.NextInclusive(options.MinSteps, options.MaxSteps);
        var current = rng.NextInclusive(Math.Max(options.MinOperand, 1), options.MaxOperand);
        var question = new StringBuilder($"{name} has {current} {item}.");
        var solution = new StringBuilder();
        var signature = new StringBuilder(current.ToString(CultureInfo.InvariantCulture));
        var pronoun = subject.ToLowerInvariant();
        for (var step = 0; step < steps; step++)
        {
            var feasible = new List<char>(3);
            if (current + options.MinOperand <= options.MaxValue)
            {
                feasible.Add('+');
            }

            if (current >= Math.Max(options.MinOperand, 1))
            {
                feasible.Add('-');
            }

            if (options.Multiplication && current * 2 <= options.MaxValue && current > 0)
            {
                feasible.Add('*');
            }

            if (feasible.Count == 0)
            {
                return null;
            }

            var op = feasible[(int)rng.NextBelow((ulong)feasible.Count)];
            var lead = step == 0 ? subject : "Then " + pronoun;
            int operand;
            int next;
            switch (op)
            {
                case '+':
                    operand = rng.NextInclusive(options.MinOperand, Math.Min(options.MaxOperand, options.MaxValue - current));
                    next = current + operand;
                    var (add, extra) = Verb(options.Verbs, AddVerbs, ExtraAddVerbs, rng);
                    question.Append(extra ? $" {lead} {add} {operand}." : $" {lead} {add} {operand} more.");
                    break;
                case '-':
                    operand = rng.NextInclusive(Math.Max(options.MinOperand, 1), Math.Min(options.MaxOperand, current));
                    next = current - operand;
                    question.Append($" {lead} {Verb(options.Verbs, SubtractVerbs, ExtraSubtractVerbs, rng).Text} {operand}.");
                    break;
                default:
                    operand = current * 3 <= options.MaxValue ? rng.NextInclusive(2, 3) : 2;
                    next = current * operand;
                    var verb = operand == 2 ? "double" : "triple";
                    question.Append(step == 0 ? $" {char.ToUpperInvariant(possessive[0])}{possessive[1..]} {item} {verb}." : $" Then {possessive} {item} {verb}.");
                    break;
            }

            solution.Append(CultureInfo.InvariantCulture, $"{current} {op} {operand} = {next}\n");
            signature.Append(op).Append(operand.ToString(CultureInfo.InvariantCulture));
            current = next;
        }

        question.Append($" How many {item} does {name} have now?");
        solution.Append(CultureInfo.InvariantCulture, $"#### {current}");
        return new ArithmeticProblem(question.ToString(), solution.ToString(), current, signature.ToString());
    }

    /// <summary>
    /// One verb of an operation from the verb set: one draw in every case, so the default set draws exactly as it did before
    /// the option existed. Returns whether the verb is one of the extra set (which takes no "more").
    /// </summary>
    private static (string Text, bool Extra) Verb(ArithmeticVerbs verbs, string[] common, string[] extra, SplitMix64 rng) => verbs switch
    {
        ArithmeticVerbs.Default => (common[rng.NextBelow((ulong)common.Length)], false),
        ArithmeticVerbs.Extra => (extra[rng.NextBelow((ulong)extra.Length)], true),
        _ => rng.NextBelow((ulong)(common.Length + extra.Length)) is var i && i < (ulong)common.Length ? (common[i], false) : (extra[i - (ulong)common.Length], true),
    };

    /// <summary>Whether a signature such as <c>3+5-2</c> has one of <paramref name="steps"/> (<c>+5</c>) among its steps.</summary>
    private static bool HasAnyStep(string signature, IReadOnlyList<string> steps)
    {
        if (steps.Count == 0)
        {
            return false;
        }

        var i = 0;
        while (i < signature.Length && char.IsAsciiDigit(signature[i]))
        {
            i++; // the starting value
        }

        while (i < signature.Length)
        {
            var start = i++;
            while (i < signature.Length && char.IsAsciiDigit(signature[i]))
            {
                i++;
            }

            var step = signature[start..i];
            if (steps.Contains(step, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }
}
