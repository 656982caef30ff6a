using PostTrain.Api.Model;

namespace PostTrain.Trainer.Sources;

/// <summary>
/// Turns a source URI into a local path: plain paths, <c>file://</c> and <c>pvc://</c> map directly; <c>hf://</c> downloads
/// the matching files of the repository into the cache and returns the snapshot folder (or the sub-path inside it).
/// <c>builtin://</c> sources have no path; the dataset and model loaders handle them.
/// </summary>
public sealed class SourceResolver
{
    private readonly HubClient _hub;

    /// <summary>Creates a resolver that downloads through <paramref name="hub"/>.</summary>
    public SourceResolver(SourceResolverOptions options, HubClient hub)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hub);
        Options = options;
        _hub = hub;
    }

    /// <summary>The options this resolver was made with.</summary>
    public SourceResolverOptions Options { get; }

    /// <summary>The hub client <c>hf://</c> sources are listed and downloaded through.</summary>
    public HubClient Hub => _hub;

    /// <summary>The local path of a path, file or pvc source (no I/O; the path may not exist).</summary>
    public string LocalPath(SourceUri source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Kind switch
        {
            SourceKind.File => Path.GetFullPath(source.Path),
            SourceKind.Pvc => Path.Combine(Options.PvcRoot, source.Name, source.Path.Replace('/', Path.DirectorySeparatorChar)),
            _ => throw new ArgumentException($"source '{source}' is not a local path; use ResolveAsync", nameof(source)),
        };
    }

    /// <summary>
    /// Resolves a source to an existing local file or folder. For <c>hf://</c> only the files matching
    /// <paramref name="filePatterns"/> are downloaded (all files when null), relative to the sub-path when one is given;
    /// a sub-path with an extension names a single file, which is downloaded without listing the repository.
    /// </summary>
    public async Task<string> ResolveAsync(SourceUri source, HubRepoKind kind, IReadOnlyCollection<string>? filePatterns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        switch (source.Kind)
        {
            case SourceKind.File or SourceKind.Pvc:
                var path = LocalPath(source);
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    var hint = source.Kind == SourceKind.Pvc ? $" (is the claim '{source.Name}' mounted under {Options.PvcRoot}?)" : string.Empty;
                    throw new FileNotFoundException($"source '{source}' resolves to {path}, which does not exist{hint}", path);
                }

                return path;
            case SourceKind.HuggingFace:
                var repo = HubRepository.FromSource(source, kind);
                if (source.Path.Length > 0 && Path.HasExtension(source.Path))
                {
                    // hf://org/name/sub/file.jsonl names one file: fetch it without listing the repository.
                    return await _hub.DownloadAsync(repo, source.Path, cancellationToken).ConfigureAwait(false);
                }

                var patterns = filePatterns;
                if (source.Path.Length > 0)
                {
                    patterns = (filePatterns is null || filePatterns.Count == 0 ? ["*"] : filePatterns).Select(p => source.Path + "/" + p).ToList();
                }

                var snapshot = await _hub.DownloadSnapshotAsync(repo, patterns, cancellationToken).ConfigureAwait(false);
                return source.Path.Length == 0 ? snapshot : Path.Combine(snapshot, source.Path);
            default:
                throw new ArgumentException($"source '{source}' is a builtin; it has no local path", nameof(source));
        }
    }
}
