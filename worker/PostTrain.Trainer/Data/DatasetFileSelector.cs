using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Data;

/// <summary>
/// Picks the data files of one config and one split from a folder's or a hub repository's files, following the layouts
/// Hugging Face uses:
/// <list type="bullet">
/// <item>shard names <c>[data/|{config}/]{split}-NNNNN-of-NNNNN*.ext</c> (any split name: <c>train_sft-00000-of-00003.parquet</c>);</item>
/// <item>the <c>refs/convert/parquet</c> layout <c>{config}/{split}/NNNN.parquet</c> (and <c>{config}/partial-{split}/NNNN.parquet</c>);</item>
/// <item>otherwise split keywords in file or folder names, as words between <c>-._ </c>, digits or <c>/</c>: train (train,
/// training), validation (validation, valid, dev, val), test (test, testing, eval, evaluation);</item>
/// <item>files with no split in their names at all are the train split.</item>
/// </list>
/// A config is a top-level folder whose files carry split names (<c>main/train-00000-of-00001.parquet</c>); <c>data/</c> and
/// files outside such folders form the default config.
/// </summary>
public static partial class DatasetFileSelector
{
    private const string Separators = "-._ 0123456789";

    private static readonly (string Split, string[] Keywords)[] KeywordSplits =
    [
        ("train", ["train", "training"]),
        ("validation", ["validation", "valid", "dev", "val"]),
        ("test", ["test", "testing", "eval", "evaluation"]),
    ];

    /// <summary>
    /// The files of <paramref name="config"/> (the default config, or the only one, when null) and <paramref name="split"/>
    /// (every file when null), in ordinal order. <paramref name="files"/> are relative paths with <c>/</c>;
    /// <paramref name="where"/> names the folder or repository in errors, which are <see cref="DatasetFormatException"/>s
    /// listing the configs or splits there are.
    /// </summary>
    public static IReadOnlyList<string> Select(IReadOnlyCollection<string> files, string? split, string? config, string where)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(where);
        var inConfig = SelectConfig(files, config, where);
        var chosen = split is null ? inConfig.Select(f => f.Path) : SelectSplit(inConfig, split, config, where);
        return [.. chosen.Order(StringComparer.Ordinal)];
    }

    /// <summary>The split a file's name gives explicitly (shard naming or the converted-parquet layout), or null.</summary>
    public static string? ExplicitSplit(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var segments = relativePath.Split('/');
        var name = segments[^1];
        if (ShardName().Match(name) is { Success: true } shard)
        {
            return shard.Groups["split"].Value;
        }

        if (segments.Length >= 2 && ConvertedName().IsMatch(name))
        {
            var folder = segments[^2];
            return folder.StartsWith("partial-", StringComparison.Ordinal) ? folder["partial-".Length..] : folder;
        }

        return null;
    }

    /// <summary>The split train, validation or test whose keyword a file's folders or name holds as a word, or null.</summary>
    public static string? KeywordSplit(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var segments = relativePath.Split('/');
        segments[^1] = Path.GetFileNameWithoutExtension(segments[^1]);
        foreach (var (name, keywords) in KeywordSplits)
        {
            if (segments.Any(segment => keywords.Any(keyword => HasWord(segment, keyword))))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>train, validation or test for their synonyms (<c>val</c>, <c>dev</c>, <c>eval</c>, ...); other names unchanged.</summary>
    public static string CanonicalSplit(string split)
    {
        ArgumentNullException.ThrowIfNull(split);
        foreach (var (name, keywords) in KeywordSplits)
        {
            if (keywords.Contains(split, StringComparer.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return split;
    }

    private static List<(string Path, string Relative)> SelectConfig(IReadOnlyCollection<string> files, string? config, string where)
    {
        static string? Top(string path) => path.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 ? path[..slash] : null;
        static string Inside(string path) => path[(path.IndexOf('/', StringComparison.Ordinal) + 1)..];
        var configs = files
            .Where(f => Top(f) is { } top && top != "data" && ExplicitSplit(Inside(f)) is not null)
            .Select(f => Top(f)!)
            .ToHashSet(StringComparer.Ordinal);
        var rest = files.Where(f => Top(f) is not { } top || !configs.Contains(top)).Select(f => (f, f)).ToList();
        string Available() => string.Join(", ", configs.Order(StringComparer.Ordinal).Concat(rest.Count > 0 && !configs.Contains("default") ? ["default"] : []));

        if (config is not null)
        {
            var under = files.Where(f => f.StartsWith(config + "/", StringComparison.Ordinal)).Select(f => (f, f[(config.Length + 1)..])).ToList();
            if (under.Count > 0)
            {
                return under;
            }

            if (config == "default" && rest.Count > 0)
            {
                return rest;
            }

            throw new DatasetFormatException($"{where}: no config '{config}'; configs: [{Available()}]");
        }

        if (rest.Count > 0)
        {
            return rest;
        }

        if (configs.Count == 1)
        {
            var only = configs.Single();
            return [.. files.Where(f => Top(f) == only).Select(f => (f, Inside(f)))];
        }

        throw new DatasetFormatException($"{where} has several configs [{Available()}]: set the dataset's config to one of them");
    }

    private static IEnumerable<string> SelectSplit(List<(string Path, string Relative)> files, string split, string? config, string where)
    {
        var inConfig = config is null ? string.Empty : $" of config '{config}'";
        var explicitSplits = files.Select(f => (f.Path, Split: ExplicitSplit(f.Relative))).Where(f => f.Split is not null).ToList();
        if (explicitSplits.Count > 0)
        {
            var chosen = explicitSplits.Where(f => f.Split == split).Select(f => f.Path).ToList();
            return chosen.Count > 0
                ? chosen
                : throw new DatasetFormatException(
                    $"{where}: no split '{split}'{inConfig}; splits: [{string.Join(", ", explicitSplits.Select(f => f.Split!).Distinct().Order(StringComparer.Ordinal))}]");
        }

        var canonical = CanonicalSplit(split);
        var keywordSplits = files.Select(f => (f.Path, Split: KeywordSplit(f.Relative))).Where(f => f.Split is not null).ToList();
        if (keywordSplits.Count > 0)
        {
            var chosen = keywordSplits.Where(f => f.Split == canonical).Select(f => f.Path).ToList();
            return chosen.Count > 0
                ? chosen
                : throw new DatasetFormatException(
                    $"{where}: no split '{split}'{inConfig}; splits: [{string.Join(", ", keywordSplits.Select(f => f.Split!).Distinct().Order(StringComparer.Ordinal))}]");
        }

        return canonical == "train"
            ? files.Select(f => f.Path)
            : throw new DatasetFormatException(
                $"{where}: no split '{split}'{inConfig}: no file name carries a split, so all {files.Count} file(s) are the train split ({string.Join(", ", files.Take(5).Select(f => f.Path))}{(files.Count > 5 ? ", ..." : string.Empty)})");
    }

    private static bool HasWord(string segment, string keyword)
    {
        for (var at = segment.IndexOf(keyword, StringComparison.OrdinalIgnoreCase); at >= 0; at = segment.IndexOf(keyword, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + keyword.Length;
            if ((at == 0 || Separators.Contains(segment[at - 1], StringComparison.Ordinal)) && (end == segment.Length || Separators.Contains(segment[end], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^(?<split>[^/]+?)-\d{5}-of-\d{5}([-._][^/]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardName();

    [GeneratedRegex(@"^\d+\.parquet$", RegexOptions.CultureInvariant)]
    private static partial Regex ConvertedName();
}
