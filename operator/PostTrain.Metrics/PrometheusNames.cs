using System.Text;

namespace PostTrain.Metrics;

/// <summary>
/// Turns .NET instrument names, units and tag keys into Prometheus metric and label names, following the
/// OpenTelemetry-to-Prometheus conventions: invalid characters become '_', the unit is a suffix
/// ("s" → _seconds, "By" → _bytes, "{token}" dropped), counters end in _total.
/// </summary>
public static class PrometheusNames
{
    private static readonly Dictionary<string, string> UnitWords = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["TiBy"] = "tebibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes",
        ["m"] = "meters",
        ["V"] = "volts",
        ["A"] = "amperes",
        ["J"] = "joules",
        ["W"] = "watts",
        ["g"] = "grams",
        ["Cel"] = "celsius",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnitWords = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["m"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["w"] = "week",
        ["mo"] = "month",
        ["y"] = "year",
    };

    /// <summary>Sample suffixes of histograms and summaries; promtool lints any other family whose name ends in one.</summary>
    private static readonly string[] ReservedSampleSuffixes = ["_count", "_sum", "_bucket"];

    /// <summary>True when <paramref name="name"/> matches [a-zA-Z_:][a-zA-Z0-9_:]*.</summary>
    public static bool IsValidMetricName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || c == ':' || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="name"/> matches [a-zA-Z_][a-zA-Z0-9_]* and does not start with the reserved "__".</summary>
    public static bool IsValidLabelName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith("__", StringComparison.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A valid metric name for <paramref name="name"/>: every character outside [a-zA-Z0-9_] becomes '_',
    /// runs of '_' collapse to one, a leading digit gets a '_' in front. Colons are replaced too: they are
    /// reserved for recording rules.
    /// </summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowLeadingDoubleUnderscore: true);

    /// <summary>A valid label name for a tag key, as <see cref="SanitizeMetricName"/> does for metric names; never starts with "__".</summary>
    public static string SanitizeLabelName(string key) => Sanitize(key, allowLeadingDoubleUnderscore: false);

    /// <summary>
    /// The Prometheus unit word for a UCUM-style .NET unit: "s" → "seconds", "By" → "bytes", "By/s" →
    /// "bytes_per_second", "{token}" → "" (annotations are dropped), "1" → "ratio" for gauges and "" otherwise.
    /// Unknown units are sanitised and kept.
    /// </summary>
    public static string UnitWord(string? unit, bool isGauge)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return "";
        }

        var trimmed = StripAnnotations(unit).Trim();
        if (trimmed.Length == 0)
        {
            return "";
        }

        if (trimmed == "1")
        {
            return isGauge ? "ratio" : "";
        }

        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var numerator = trimmed[..slash].Trim();
            var denominator = trimmed[(slash + 1)..].Trim();
            var top = numerator.Length == 0 || numerator == "1" ? "" : Word(numerator, UnitWords);
            var bottom = denominator.Length == 0 ? "" : Word(denominator, PerUnitWords);
            return (top, bottom) switch
            {
                ("", "") => "",
                (_, "") => top,
                ("", _) => "per_" + bottom,
                _ => top + "_per_" + bottom,
            };
        }

        return Word(trimmed, UnitWords);
    }

    /// <summary>
    /// The metric family name for an instrument: sanitised name plus the unit word unless the name already
    /// ends with it. The counter suffix _total is not part of it (see <see cref="CounterSampleName"/>).
    /// A gauge whose name would end in a suffix Prometheus reserves for histogram and summary samples
    /// (<c>_count</c>, <c>_sum</c>, <c>_bucket</c>) gets <c>_value</c> appended, so <c>promtool check metrics</c>
    /// finds nothing to lint: the runtime's up-down counter <c>dotnet.assembly.count</c> is the gauge
    /// <c>dotnet_assembly_count_value</c>.
    /// </summary>
    public static string FamilyName(string instrumentName, string? unit, bool isGauge)
    {
        var name = SanitizeMetricName(instrumentName);
        var unitWord = UnitWord(unit, isGauge);
        if (name.EndsWith("_total", StringComparison.Ordinal) && name.Length > "_total".Length)
        {
            name = name[..^"_total".Length];
        }

        if (unitWord.Length > 0 && !name.EndsWith("_" + unitWord, StringComparison.Ordinal) && name != unitWord)
        {
            name = name + "_" + unitWord;
        }

        if (isGauge && EndsWithReservedSuffix(name))
        {
            name += "_value";
        }

        return name;
    }

    /// <summary>The sample name of a counter family: the family name with _total appended.</summary>
    public static string CounterSampleName(string familyName) => familyName + "_total";

    private static bool EndsWithReservedSuffix(string name)
    {
        foreach (var suffix in ReservedSampleSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Word(string unit, Dictionary<string, string> words) =>
        words.TryGetValue(unit, out var word) ? word : Sanitize(unit, allowLeadingDoubleUnderscore: false).Trim('_');

    private static string StripAnnotations(string unit)
    {
        if (!unit.Contains('{', StringComparison.Ordinal))
        {
            return unit;
        }

        var sb = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (depth == 0)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static string Sanitize(string name, bool allowLeadingDoubleUnderscore)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            var mapped = char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_';
            if (mapped == '_' && sb.Length > 0 && sb[^1] == '_')
            {
                continue;
            }

            sb.Append(mapped);
        }

        if (sb.Length == 0)
        {
            return "_";
        }

        if (char.IsAsciiDigit(sb[0]))
        {
            sb.Insert(0, '_');
        }

        var result = sb.ToString();
        if (!allowLeadingDoubleUnderscore && result.StartsWith("__", StringComparison.Ordinal))
        {
            result = result.TrimStart('_');
            result = result.Length == 0 ? "_" : "_" + result;
        }

        return result;
    }
}
