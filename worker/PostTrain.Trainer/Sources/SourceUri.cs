namespace PostTrain.Trainer.Sources;

/// <summary>
/// A parsed source URI: <c>hf://org/name[@revision][/sub/path]</c>, <c>pvc://claim/path</c>, <c>file:///path</c>,
/// <c>builtin://name[?key=value&amp;...]</c>, or a plain path.
/// </summary>
public sealed record SourceUri
{
    /// <summary>The text as given.</summary>
    public required string Original { get; init; }

    /// <summary>Which kind of source this is.</summary>
    public required SourceScheme Scheme { get; init; }

    /// <summary>The local path for <see cref="SourceScheme.Path"/> and <see cref="SourceScheme.File"/>; the path inside the claim for <see cref="SourceScheme.Pvc"/>; a sub-path inside the repository for <see cref="SourceScheme.HuggingFace"/>; empty otherwise.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>The claim name (pvc), the repository id <c>org/name</c> (hf), or the builtin's name.</summary>
    public string Authority { get; init; } = string.Empty;

    /// <summary>The hub revision (hf only); <c>main</c> when not given.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Query options (builtin only), e.g. <c>split=sft</c>.</summary>
    public IReadOnlyDictionary<string, string> Query { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Parses a source URI; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static SourceUri Parse(string uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new FormatException("source URI is empty");
        }

        var text = uri.Trim();
        if (text.StartsWith("hf://", StringComparison.OrdinalIgnoreCase))
        {
            return ParseHub(uri, text["hf://".Length..]);
        }

        if (text.StartsWith("pvc://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = text["pvc://".Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var claim = slash < 0 ? rest : rest[..slash];
            var path = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
            if (claim.Length == 0 || !claim.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            {
                throw new FormatException($"source '{uri}': the claim name '{claim}' is not a valid PersistentVolumeClaim name (lower-case letters, digits, '-', '.')");
            }

            CheckNoParentSegments(uri, path);
            return new SourceUri { Original = uri, Scheme = SourceScheme.Pvc, Authority = claim, Path = path };
        }

        if (text.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = text["file://".Length..];
            if (!rest.StartsWith('/'))
            {
                throw new FormatException($"source '{uri}': a file URI needs an absolute path, file:///path (three slashes)");
            }

            return new SourceUri { Original = uri, Scheme = SourceScheme.File, Path = Uri.UnescapeDataString(rest) };
        }

        if (text.StartsWith("builtin://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = text["builtin://".Length..];
            var q = rest.IndexOf('?', StringComparison.Ordinal);
            var name = (q < 0 ? rest : rest[..q]).Trim('/');
            if (name.Length == 0)
            {
                throw new FormatException($"source '{uri}': builtin:// needs a name, e.g. builtin://arithmetic");
            }

            var query = new Dictionary<string, string>(StringComparer.Ordinal);
            if (q >= 0)
            {
                foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new FormatException($"source '{uri}': query part '{pair}' is not key=value");
                    }

                    query[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
                }
            }

            return new SourceUri { Original = uri, Scheme = SourceScheme.Builtin, Authority = name, Query = query };
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0 && text[..schemeEnd].All(char.IsAsciiLetterOrDigit))
        {
            throw new FormatException($"source '{uri}': unknown scheme '{text[..schemeEnd]}://'; use hf://, pvc://, file://, builtin:// or a plain path");
        }

        return new SourceUri { Original = uri, Scheme = SourceScheme.Path, Path = text };
    }

    /// <summary>The hub repository this URI names (hf only).</summary>
    public HubRepository ToHubRepository(HubRepoKind kind) =>
        Scheme == SourceScheme.HuggingFace
            ? new HubRepository(Authority, kind, Revision)
            : throw new InvalidOperationException($"source '{Original}' is not an hf:// URI");

    /// <inheritdoc />
    public override string ToString() => Original;

    private static SourceUri ParseHub(string uri, string rest)
    {
        // hf://org/name[@revision][/sub/path]; the revision may not contain '/', use %2F (refs%2Fpr%2F1).
        var parts = rest.Split('/');
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new FormatException($"source '{uri}': expected hf://org/name[@revision]");
        }

        var org = parts[0];
        var name = parts[1];
        var revision = "main";
        var at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            revision = Uri.UnescapeDataString(name[(at + 1)..]);
            name = name[..at];
            if (revision.Length == 0)
            {
                throw new FormatException($"source '{uri}': empty revision after '@'");
            }
        }

        var repo = new HubRepository($"{org}/{name}", HubRepoKind.Dataset, revision);
        try
        {
            repo.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"source '{uri}': {e.Message}", e);
        }

        var sub = string.Join('/', parts.Skip(2)).Trim('/');
        CheckNoParentSegments(uri, sub);
        return new SourceUri { Original = uri, Scheme = SourceScheme.HuggingFace, Authority = repo.Id, Revision = revision, Path = sub };
    }

    private static void CheckNoParentSegments(string uri, string path)
    {
        if (path.Split('/').Any(p => p == ".."))
        {
            throw new FormatException($"source '{uri}': '..' is not allowed in the path");
        }
    }
}
