using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Api.Validation;
using PostTrain.Api.Yaml;
using YamlDotNet.Core;

namespace PostTrain.Api.Loading;

/// <summary>
/// Reads PostTrain manifests, YAML (one or many documents separated by <c>---</c>) or JSON, into typed jobs,
/// dispatching on apiVersion and kind. Each document is checked against its kind's CRD schema (unknown fields,
/// types, enums, bounds) and then by <see cref="JobValidator"/>; all errors of all documents are reported
/// together, each with its file, line and field path.
/// </summary>
public static class JobManifestLoader
{
    /// <summary>Reads a manifest file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The jobs, in document order.</returns>
    /// <exception cref="ManifestException">Anything is wrong with any document.</exception>
    public static async Task<IReadOnlyList<PostTrainJob>> LoadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException([new ManifestError(path, -1, 0, 0, "", $"cannot read the file: {e.Message}")]);
        }

        return Load(text, path);
    }

    /// <summary>Reads manifest text.</summary>
    /// <param name="text">YAML or JSON.</param>
    /// <param name="source">The name errors are reported under (usually the file name).</param>
    /// <returns>The jobs, in document order.</returns>
    /// <exception cref="ManifestException">Anything is wrong with any document.</exception>
    public static IReadOnlyList<PostTrainJob> Load(string text, string source = "<input>")
    {
        var result = TryLoad(text, source);
        return result.Errors.Count == 0 ? result.Jobs : throw new ManifestException(result.Errors);
    }

    /// <summary>Reads manifest text, returning the valid jobs and every error instead of throwing.</summary>
    /// <param name="text">YAML or JSON.</param>
    /// <param name="source">The name errors are reported under.</param>
    /// <returns>The jobs of the documents without errors, and the errors of the others.</returns>
    public static ManifestLoadResult TryLoad(string text, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        IReadOnlyList<YamlJsonDocument> documents;
        try
        {
            documents = YamlJsonReader.ReadAll(text);
        }
        catch (YamlException e)
        {
            var message = e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message;
            return new([], [new ManifestError(source, -1, e.Start.Line, e.Start.Column, "", $"not valid YAML: {message}")]);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this, without a position, on some truncated flow collections.
            return new([], [new ManifestError(source, -1, 0, 0, "", $"not valid YAML (an unclosed [ or {{?): {e.Message}")]);
        }

        var jobs = new List<PostTrainJob>();
        var errors = new List<ManifestError>();
        if (documents.Count == 0)
        {
            errors.Add(new ManifestError(source, -1, 0, 0, "", "no documents"));
        }

        foreach (var document in documents)
        {
            var documentErrors = LoadDocument(document, out var job);
            errors.AddRange(documentErrors.Select(e =>
            {
                var mark = document.PositionOf(e.Path);
                return new ManifestError(source, document.Index, mark.Line, mark.Column, e.Path, e.Message);
            }));
            if (job is not null && documentErrors.Count == 0)
            {
                jobs.Add(job);
            }
        }

        return new(jobs, errors);
    }

    private static List<ValidationError> LoadDocument(YamlJsonDocument document, out PostTrainJob? job)
    {
        job = null;
        if (document.Root is not JsonObject root)
        {
            return [new("", "expected a mapping with apiVersion, kind, metadata and spec")];
        }

        Type type;
        try
        {
            type = JobJson.KindType(root, out _);
        }
        catch (JsonException e)
        {
            var colon = e.Message.IndexOf(": ", StringComparison.Ordinal);
            return [new(e.Message[..colon], e.Message[(colon + 2)..])];
        }

        var errors = StructuralSchemaValidator.Validate(root, CrdGenerator.ValidationSchema(type)).ToList();
        if (errors.Count > 0)
        {
            return errors;
        }

        try
        {
            job = JobJson.FromNode(root);
        }
        catch (JsonException e)
        {
            // The schema accepted it, so this is a field the schema cannot see (e.g. a malformed time).
            return [new(e.Path is { Length: > 2 } p ? p.TrimStart('$', '.') : "", e.Message)];
        }

        errors.AddRange(JobValidator.ValidateSemantics(job));
        return errors;
    }
}
