using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace PostTrain.Api.Model;

/// <summary>
/// A parsed model, dataset or checkpoint location: <c>hf://org/name[@revision][/path]</c>, <c>pvc://claim/path</c>,
/// <c>file:///path</c> or a plain path, <c>builtin://name[?key=value&amp;...]</c>. The operator validates manifests with
/// it and the worker resolves sources with it: one parser for both sides.
/// </summary>
public sealed partial record SourceUri
{
    /// <summary>The RE2-compatible pattern the CRD applies to source strings (the scheme check; <see cref="TryParse"/> checks the rest).</summary>
    public const string Pattern = @"^((hf|pvc|builtin)://\S+|file:///\S*|[^:\s][^:]*)$";

    private SourceUri(string original, SourceKind kind)
    {
        Original = original;
        Kind = kind;
    }

    /// <summary>The text the URI was parsed from.</summary>
    public string Original { get; }

    /// <summary>Where the URI points.</summary>
    public SourceKind Kind { get; }

    /// <summary>The hub repository (<c>org/name</c>) for hf://; the claim name for pvc://; the name for builtin://.</summary>
    public string Name { get; private init; } = "";

    /// <summary>The hub revision after <c>@</c> for hf:// (branch, tag or commit, percent-decoded), or null for the default branch.</summary>
    public string? Revision { get; private init; }

    /// <summary>
    /// The path: inside the repository for hf:// and inside the claim for pvc:// (no leading slash, may be empty); the
    /// file system path for file:// and plain paths.
    /// </summary>
    public string Path { get; private init; } = "";

    /// <summary>The query parameters of a builtin:// URI, e.g. <c>builtin://arithmetic?digits=3</c>.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; private init; } = new Dictionary<string, string>();

    /// <summary>Parses <paramref name="text"/>, throwing <see cref="FormatException"/> with the reason when it is not a valid source.</summary>
    /// <param name="text">The URI or path.</param>
    /// <returns>The parsed URI.</returns>
    public static SourceUri Parse(string text) =>
        TryParse(text, out var uri, out var error) ? uri : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    /// <param name="text">The URI or path.</param>
    /// <param name="uri">The parsed URI, when valid.</param>
    /// <param name="error">Why the text is not valid, when it is not.</param>
    /// <returns>True when the text is a valid source.</returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SourceUri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "must not be empty";
            return false;
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            if (text.Contains(':', StringComparison.Ordinal))
            {
                error = $"'{text}' is neither a URI with a supported scheme (hf://, pvc://, file://, builtin://) nor a plain path";
                return false;
            }

            uri = new SourceUri(text, SourceKind.File) { Path = text };
            error = null;
            return true;
        }

        var scheme = text[..schemeEnd];
        var rest = text[(schemeEnd + 3)..];
        switch (scheme)
        {
            case "hf":
                return TryParseHub(text, rest, out uri, out error);
            case "pvc":
                return TryParsePvc(text, rest, out uri, out error);
            case "file":
                if (!rest.StartsWith('/'))
                {
                    error = $"'{text}': file URIs need an absolute path (file:///path)";
                    return false;
                }

                uri = new SourceUri(text, SourceKind.File) { Path = Uri.UnescapeDataString(rest) };
                error = null;
                return true;
            case "builtin":
                return TryParseBuiltin(text, rest, out uri, out error);
            default:
                error = $"'{text}': unsupported scheme '{scheme}' (expected hf://, pvc://, file://, builtin:// or a plain path)";
                return false;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Original;

    private static bool TryParseHub(string text, string rest, out SourceUri? uri, out string? error)
    {
        // hf://org/name[@revision][/path/in/repo], as the hub's own file system writes it: the repository is the first
        // two segments (or one bare legacy name such as gpt2 when its segment carries the revision or nothing follows),
        // and a revision containing '/' is percent-encoded (refs%2Fpr%2F1).
        uri = null;
        var segments = rest.Split('/');
        var repoSegments = segments.Length == 1 || segments[0].Contains('@', StringComparison.Ordinal) ? 1 : 2;
        var repo = string.Join('/', segments.Take(repoSegments));
        var path = string.Join('/', segments.Skip(repoSegments));
        string? revision = null;
        var at = repo.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            revision = Uri.UnescapeDataString(repo[(at + 1)..]);
            repo = repo[..at];
            if (revision.Length == 0)
            {
                error = $"'{text}': empty revision after '@'";
                return false;
            }
        }

        if (!HubRepoRegex().IsMatch(repo) || repo.Split('/').Any(part => part is "." or ".."))
        {
            error = $"'{text}': expected hf://org/name[@revision][/path]";
            return false;
        }

        if (revision is not null && revision.Contains("..", StringComparison.Ordinal))
        {
            error = $"'{text}': the revision must not contain '..'";
            return false;
        }

        if (segments.Length > repoSegments && (path.Trim('/').Length == 0 || path.Split('/').Contains("..")))
        {
            error = $"'{text}': the path inside the repository must be non-empty and must not contain '..'";
            return false;
        }

        uri = new SourceUri(text, SourceKind.HuggingFace) { Name = repo, Revision = revision, Path = path.Trim('/') };
        error = null;
        return true;
    }

    private static bool TryParsePvc(string text, string rest, out SourceUri? uri, out string? error)
    {
        uri = null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var claim = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (!DnsSubdomainRegex().IsMatch(claim) || claim.Length > 253)
        {
            error = $"'{text}': '{claim}' is not a valid claim name (lowercase letters, digits, '-' and '.')";
            return false;
        }

        if (path.Split('/').Contains(".."))
        {
            error = $"'{text}': the path must not contain '..'";
            return false;
        }

        uri = new SourceUri(text, SourceKind.Pvc) { Name = claim, Path = path };
        error = null;
        return true;
    }

    private static bool TryParseBuiltin(string text, string rest, out SourceUri? uri, out string? error)
    {
        uri = null;
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        var name = question < 0 ? rest : rest[..question];
        if (!BuiltinNameRegex().IsMatch(name))
        {
            error = $"'{text}': '{name}' is not a builtin name (lowercase letters, digits and '-')";
            return false;
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in rest[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    error = $"'{text}': parameter '{pair}' is not key=value";
                    return false;
                }

                parameters[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }

        uri = new SourceUri(text, SourceKind.Builtin) { Name = name, Parameters = parameters };
        error = null;
        return true;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?\z")]
    private static partial Regex HubRepoRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z")]
    private static partial Regex DnsSubdomainRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex BuiltinNameRegex();
}
