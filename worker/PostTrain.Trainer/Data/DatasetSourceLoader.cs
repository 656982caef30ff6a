using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Data;

/// <summary>Loads a dataset from any source URI: builtin datasets are generated; paths, <c>file://</c>, <c>pvc://</c> and <c>hf://</c> are resolved to files and read.</summary>
public sealed class DatasetSourceLoader
{
    private readonly SourceResolver _resolver;

    /// <summary>Creates a loader that resolves non-builtin sources through <paramref name="resolver"/>.</summary>
    public DatasetSourceLoader(SourceResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
    }

    /// <summary>Loads the examples <paramref name="uri"/> names.</summary>
    public async Task<DatasetLoadResult> LoadAsync(string uri, DatasetLoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var source = SourceUri.Parse(uri);
        if (source.Scheme == SourceScheme.Builtin)
        {
            return new DatasetLoadResult(BuiltinDatasets.Load(source), 0, []);
        }

        var path = await _resolver.ResolveAsync(source, HubRepoKind.Dataset, options.FilePatterns, cancellationToken).ConfigureAwait(false);
        return await DatasetLoader.LoadAsync(path, options, cancellationToken).ConfigureAwait(false);
    }
}
