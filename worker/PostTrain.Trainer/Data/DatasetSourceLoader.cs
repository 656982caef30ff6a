using PostTrain.Api.Model;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Data;

/// <summary>
/// Loads a dataset from any source URI: builtin datasets are generated; paths, <c>file://</c> and <c>pvc://</c> files and
/// folders are read in place; <c>hf://</c> repositories are listed and only the files of the asked config and split are
/// downloaded (<see cref="DatasetFileSelector"/>), falling back to the hub's <c>refs/convert/parquet</c> revision when the
/// repository holds no data file PostTrain reads.
/// </summary>
public sealed class DatasetSourceLoader
{
    /// <summary>The hub revision holding the parquet conversion of every public dataset.</summary>
    public const string ConvertedParquetRevision = "refs/convert/parquet";

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
        switch (source.Kind)
        {
            case SourceKind.Builtin:
                var generated = new ExampleCollector(options);
                foreach (var example in BuiltinDatasets.Load(source))
                {
                    generated.Add(example);
                }

                return generated.ToResult();
            case SourceKind.HuggingFace when source.Path.Length > 0 && Path.HasExtension(source.Path):
                // hf://org/name/sub/file.parquet names one file: fetch it without listing the repository.
                var one = await _resolver.Hub.DownloadAsync(HubRepository.FromSource(source, HubRepoKind.Dataset), source.Path, cancellationToken).ConfigureAwait(false);
                return await DatasetLoader.LoadFilesAsync([one], options, cancellationToken).ConfigureAwait(false);
            case SourceKind.HuggingFace:
                var files = await DownloadHubFilesAsync(source, options, cancellationToken).ConfigureAwait(false);
                return await DatasetLoader.LoadFilesAsync(files, options, cancellationToken).ConfigureAwait(false);
            default:
                var path = await _resolver.ResolveAsync(source, HubRepoKind.Dataset, options.FilePatterns, cancellationToken).ConfigureAwait(false);
                return await DatasetLoader.LoadAsync(path, options, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<string>> DownloadHubFilesAsync(SourceUri source, DatasetLoadOptions options, CancellationToken cancellationToken)
    {
        var repository = HubRepository.FromSource(source, HubRepoKind.Dataset);
        var prefix = source.Path.Length == 0 ? string.Empty : source.Path + "/";
        var listed = await _resolver.Hub.ListFilesAsync(repository, cancellationToken).ConfigureAwait(false);
        var data = DataFiles(listed, prefix, options);
        if (data.Count == 0 && repository.Revision != ConvertedParquetRevision)
        {
            // Datasets built by a loading script, or stored in formats PostTrain does not read, have a parquet conversion.
            var converted = repository with { Revision = ConvertedParquetRevision };
            IReadOnlyList<string> convertedFiles;
            try
            {
                convertedFiles = await _resolver.Hub.ListFilesAsync(converted, cancellationToken).ConfigureAwait(false);
            }
            catch (HubDownloadException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                convertedFiles = [];
            }

            data = DataFiles(convertedFiles, prefix, options);
            if (data.Count > 0)
            {
                repository = converted;
            }
        }

        if (data.Count == 0)
        {
            throw new DatasetFormatException(
                $"dataset {repository}{(prefix.Length > 0 ? "/" + source.Path : string.Empty)} has no data file matching [{string.Join(", ", options.FilePatterns)}], " +
                $"nor a parquet conversion at {ConvertedParquetRevision}; it holds: {string.Join(", ", listed.Take(20))}{(listed.Count > 20 ? ", ..." : string.Empty)}");
        }

        var where = $"dataset {repository}{(prefix.Length > 0 ? "/" + source.Path : string.Empty)}";
        var selected = DatasetFileSelector.Select(data, options.Split, options.Config, where);
        DatasetLoader.CheckOneKind(selected, where);
        var local = new List<string>(selected.Count);
        foreach (var file in selected)
        {
            local.Add(await _resolver.Hub.DownloadAsync(repository, prefix + file, cancellationToken).ConfigureAwait(false));
        }

        return local;
    }

    private static List<string> DataFiles(IReadOnlyList<string> listed, string prefix, DatasetLoadOptions options) =>
        [.. listed.Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).Select(f => f[prefix.Length..]).Where(f => DatasetLoader.IsDataFile(f, options))];
}
