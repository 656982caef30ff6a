using System.Globalization;
using System.Text;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>One parsed sample line.</summary>
internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The labels as sorted "k=v" text, to look a series up.</summary>
    public string LabelKey => string.Join(",", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}

/// <summary>One parsed family.</summary>
internal sealed class ParsedFamily(string name)
{
    public string Name { get; } = name;

    public string? Type { get; set; }

    public string? Help { get; set; }

    public string? Unit { get; set; }

    public List<Sample> Samples { get; } = [];
}

/// <summary>
/// A strict, independent reader of both exposition formats for tests: it fails, naming the line, on any
/// syntax error, on samples outside their family, duplicate series, interleaved families, bad escapes,
/// negative counters, and histograms whose buckets are not cumulative, monotone and closed by a +Inf
/// bucket equal to _count.
/// </summary>
internal static class ExpositionValidator
{
    public static IReadOnlyList<ParsedFamily> Validate(string text, ExpositionFormat format)
    {
        var openMetrics = format == ExpositionFormat.OpenMetrics;
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("exposition does not end with a line feed");
        }

        var lines = text.Split('\n');
        var families = new List<ParsedFamily>();
        var seenFamilies = new HashSet<string>(StringComparer.Ordinal);
        var seenSeries = new HashSet<string>(StringComparer.Ordinal);
        ParsedFamily? current = null;
        var sawEof = false;
        for (var n = 0; n < lines.Length - 1; n++)
        {
            var line = lines[n];
            var where = $"line {n + 1} '{line}'";
            if (sawEof)
            {
                throw new FormatException($"{where}: content after # EOF");
            }

            if (line.Length == 0)
            {
                throw new FormatException($"{where}: empty line");
            }

            if (line.StartsWith('#'))
            {
                if (openMetrics && line == "# EOF")
                {
                    sawEof = true;
                    continue;
                }

                var parts = line.Split(' ', 4);
                if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE" or "UNIT"))
                {
                    if (openMetrics)
                    {
                        throw new FormatException($"{where}: OpenMetrics allows only HELP, TYPE, UNIT and EOF comments");
                    }

                    continue;
                }

                var name = parts[2];
                if (!PrometheusNames.IsValidMetricName(name))
                {
                    throw new FormatException($"{where}: invalid metric name");
                }

                if (current is null || current.Name != name)
                {
                    if (!seenFamilies.Add(name))
                    {
                        throw new FormatException($"{where}: family {name} appears twice (interleaved)");
                    }

                    current = new ParsedFamily(name);
                    families.Add(current);
                }

                var rest = parts.Length > 3 ? parts[3] : "";
                switch (parts[1])
                {
                    case "HELP":
                        current.Help = current.Help is null ? Unescape(rest, openMetrics, where, help: true) : throw new FormatException($"{where}: second HELP");
                        break;
                    case "TYPE":
                        if (current.Samples.Count > 0 || current.Type is not null)
                        {
                            throw new FormatException($"{where}: TYPE after samples or twice");
                        }

                        current.Type = rest is "counter" or "gauge" or "histogram" or "summary" or "untyped" or "unknown" or "info" or "stateset" or "gaugehistogram"
                            ? rest
                            : throw new FormatException($"{where}: unknown type '{rest}'");
                        break;
                    case "UNIT":
                        if (!openMetrics)
                        {
                            throw new FormatException($"{where}: # UNIT is OpenMetrics only");
                        }

                        current.Unit = name.EndsWith("_" + rest, StringComparison.Ordinal) ? rest : throw new FormatException($"{where}: family name must end with its unit");
                        break;
                }

                continue;
            }

            var sample = ParseSample(line, openMetrics, where);
            if (current is null || !BelongsTo(sample.Name, current, openMetrics))
            {
                // An untyped sample starts its own family in text format.
                if (openMetrics || current?.Type is not null && sample.Name.StartsWith(current.Name, StringComparison.Ordinal))
                {
                    throw new FormatException($"{where}: sample {sample.Name} outside its family ({current?.Name ?? "none"})");
                }

                if (!seenFamilies.Add(sample.Name))
                {
                    throw new FormatException($"{where}: family {sample.Name} appears twice (interleaved)");
                }

                current = new ParsedFamily(sample.Name);
                families.Add(current);
            }

            if (!seenSeries.Add(sample.Name + "{" + sample.LabelKey + "}"))
            {
                throw new FormatException($"{where}: duplicate series");
            }

            if (current.Type == "counter" && (sample.Value < 0 || double.IsNaN(sample.Value)))
            {
                throw new FormatException($"{where}: counter value must be a non-negative number");
            }

            current.Samples.Add(sample);
        }

        if (openMetrics && !sawEof)
        {
            throw new FormatException("OpenMetrics exposition does not end with # EOF");
        }

        foreach (var family in families.Where(f => f.Type == "histogram"))
        {
            ValidateHistogram(family);
        }

        return families;
    }

    /// <summary>The value of one sample, found by name and labels ("k=v,k2=v2", sorted); throws when absent.</summary>
    public static double Value(this IReadOnlyList<ParsedFamily> families, string sampleName, string labelKey = "")
    {
        var found = families.SelectMany(f => f.Samples).Where(s => s.Name == sampleName && s.LabelKey == labelKey).ToList();
        return found.Count == 1 ? found[0].Value : throw new KeyNotFoundException($"no sample {sampleName}{{{labelKey}}}");
    }

    private static bool BelongsTo(string sampleName, ParsedFamily family, bool openMetrics) => family.Type switch
    {
        "counter" when openMetrics => sampleName == family.Name + "_total" || sampleName == family.Name + "_created",
        "histogram" => sampleName == family.Name + "_bucket" || sampleName == family.Name + "_sum" || sampleName == family.Name + "_count" || sampleName == family.Name + "_created",
        _ => sampleName == family.Name,
    };

    private static void ValidateHistogram(ParsedFamily family)
    {
        var groups = family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
        foreach (var group in groups)
        {
            var where = $"histogram {family.Name}{{{group.Key}}}";
            var buckets = group.Where(s => s.Name == family.Name + "_bucket").ToList();
            var count = group.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{where}: no _count");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{where}: no _sum");
            if (buckets.Count == 0)
            {
                throw new FormatException($"{where}: no buckets");
            }

            var previousLe = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var bucket in buckets)
            {
                var le = bucket.Labels.TryGetValue("le", out var leText) ? ParseFloat(leText, where) : throw new FormatException($"{where}: bucket without le");
                if (le <= previousLe)
                {
                    throw new FormatException($"{where}: le {le} not above {previousLe}");
                }

                if (bucket.Value < previousCount)
                {
                    throw new FormatException($"{where}: bucket le={leText} count {bucket.Value} below the previous {previousCount} (not cumulative)");
                }

                previousLe = le;
                previousCount = bucket.Value;
            }

            if (!double.IsPositiveInfinity(previousLe))
            {
                throw new FormatException($"{where}: last bucket is not +Inf");
            }

            if (previousCount != count.Value)
            {
                throw new FormatException($"{where}: +Inf bucket {previousCount} != _count {count.Value}");
            }
        }
    }

    private static Sample ParseSample(string line, bool openMetrics, string where)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        if (!PrometheusNames.IsValidMetricName(name))
        {
            throw new FormatException($"{where}: invalid metric name '{name}'");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }

                var start = i;
                while (i < line.Length && line[i] != '=')
                {
                    i++;
                }

                var labelName = line[start..i];
                if (!PrometheusNames.IsValidLabelName(labelName) || i + 1 >= line.Length || line[i + 1] != '"')
                {
                    throw new FormatException($"{where}: invalid label name '{labelName}' or missing quote");
                }

                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException($"{where}: unterminated label value");
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        var next = i < line.Length ? line[i++] : throw new FormatException($"{where}: dangling backslash");
                        value.Append(next switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"{where}: invalid escape \\{next}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    throw new FormatException($"{where}: duplicate label {labelName}");
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    throw new FormatException($"{where}: expected ',' or '}}' after a label");
                }
            }
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException($"{where}: expected a space before the value");
        }

        var fields = line[(i + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2 || fields.Any(f => f.Length == 0))
        {
            throw new FormatException($"{where}: expected 'value [timestamp]'");
        }

        return new Sample(name, labels, ParseFloat(fields[0], where));
    }

    private static double ParseFloat(string text, string where) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.')
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new FormatException($"{where}: '{text}' is not a number"),
    };

    private static string Unescape(string text, bool openMetrics, string where, bool help)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            var next = i + 1 < text.Length ? text[++i] : throw new FormatException($"{where}: dangling backslash");
            sb.Append(next switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when openMetrics || !help => '"',
                _ => throw new FormatException($"{where}: invalid escape \\{next}"),
            });
        }

        return sb.ToString();
    }
}
