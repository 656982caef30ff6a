using System.Globalization;
using PostTrain.Api.Model;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Data;

/// <summary>
/// The datasets behind <c>builtin://</c> URIs. Today: <c>builtin://arithmetic?split=sft|rl|test&amp;count=N&amp;seed=S</c>
/// with optional <c>minSteps</c>, <c>maxSteps</c>, <c>minOperand</c>, <c>maxOperand</c>, <c>maxValue</c>, <c>multiplication</c> and
/// <c>excludeSteps</c> (a comma-separated list such as <c>+5,-4</c>: problems with any of those steps are skipped) and
/// <c>requireSteps</c> (the same notation: only problems with at least one of those steps).
/// </summary>
public static class BuiltinDatasets
{
    /// <summary>The names <c>builtin://</c> accepts for datasets.</summary>
    public static IReadOnlyList<string> Names { get; } = ["arithmetic"];

    /// <summary>How many items each arithmetic split has when <c>count</c> is not given: few worked solutions, many checkable problems.</summary>
    public static int DefaultCount(ArithmeticSplit split) => split switch
    {
        ArithmeticSplit.Sft => 200,
        ArithmeticSplit.Rl => 2000,
        _ => 200,
    };

    /// <summary>Generates the examples a builtin URI names; throws <see cref="ArgumentException"/> naming a bad option.</summary>
    public static IReadOnlyList<Example> Load(SourceUri source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Kind != SourceKind.Builtin)
        {
            throw new ArgumentException($"source '{source}' is not a builtin:// URI", nameof(source));
        }

        if (source.Name != "arithmetic")
        {
            throw new ArgumentException($"source '{source}': unknown builtin dataset '{source.Name}'; known: {string.Join(", ", Names)}");
        }

        var known = new[] { "split", "count", "seed", "minSteps", "maxSteps", "minOperand", "maxOperand", "maxValue", "multiplication", "excludeSteps", "requireSteps", "verbs" };
        var unknown = source.Parameters.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"source '{source}': unknown option(s) {string.Join(", ", unknown)}; known: {string.Join(", ", known)}");
        }

        var splitText = source.Parameters.GetValueOrDefault("split", "sft");
        if (!Enum.TryParse<ArithmeticSplit>(splitText, ignoreCase: true, out var split) || !Enum.IsDefined(split) || int.TryParse(splitText, out _))
        {
            throw new ArgumentException($"source '{source}': split '{splitText}' is not one of sft, rl, test");
        }

        var defaults = new ArithmeticOptions();
        var options = new ArithmeticOptions
        {
            MinSteps = Int(source, "minSteps", defaults.MinSteps),
            MaxSteps = Int(source, "maxSteps", defaults.MaxSteps),
            MinOperand = Int(source, "minOperand", defaults.MinOperand),
            MaxOperand = Int(source, "maxOperand", defaults.MaxOperand),
            MaxValue = Int(source, "maxValue", defaults.MaxValue),
            Multiplication = Bool(source, "multiplication", defaults.Multiplication),
            ExcludedSteps = Steps(source, "excludeSteps"),
            RequiredSteps = Steps(source, "requireSteps"),
            Verbs = Verbs(source),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"source '{source}': {e.Message}", e);
        }

        return ArithmeticDataset.GenerateExamples(options, split, Int(source, "count", DefaultCount(split)), Int(source, "seed", 0));
    }

    private static int Int(SourceUri source, string key, int fallback)
    {
        if (!source.Parameters.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && (key == "seed" || value >= 0)
            ? value
            : throw new ArgumentException($"source '{source}': option {key}='{text}' is not a non-negative integer");
    }

    private static string[] Steps(SourceUri source, string key) =>
        source.Parameters.TryGetValue(key, out var text) ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    private static ArithmeticVerbs Verbs(SourceUri source)
    {
        if (!source.Parameters.TryGetValue("verbs", out var text))
        {
            return ArithmeticVerbs.Default;
        }

        return Enum.TryParse<ArithmeticVerbs>(text, ignoreCase: true, out var verbs) && Enum.IsDefined(verbs) && !int.TryParse(text, out _)
            ? verbs
            : throw new ArgumentException($"source '{source}': option verbs='{text}' is not one of default, extra, all");
    }

    private static bool Bool(SourceUri source, string key, bool fallback)
    {
        if (!source.Parameters.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return bool.TryParse(text, out var value) ? value : throw new ArgumentException($"source '{source}': option {key}='{text}' is not true or false");
    }
}
