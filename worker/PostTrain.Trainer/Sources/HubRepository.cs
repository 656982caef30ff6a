using PostTrain.Api.Model;

namespace PostTrain.Trainer.Sources;

/// <summary>A repository on the hub: <c>org/name</c> (or a bare <c>name</c>), its kind, and a revision (branch, tag or commit).</summary>
/// <param name="Id">The repository id, <c>org/name</c>.</param>
/// <param name="Kind">Model or dataset.</param>
/// <param name="Revision">A branch, tag or commit; <c>main</c> by default.</param>
public sealed record HubRepository(string Id, HubRepoKind Kind, string Revision = "main")
{
    /// <summary>The folder name used in the cache: <c>org--name</c>.</summary>
    public string CacheName => Id.Replace("/", "--", StringComparison.Ordinal);

    /// <summary>The URI form, <c>hf://org/name@revision</c> (datasets and models look alike; the kind comes from the context).</summary>
    public override string ToString() => Revision == "main" ? $"hf://{Id}" : $"hf://{Id}@{Revision}";

    /// <summary>The repository an <c>hf://</c> source names, at its revision (<c>main</c> when it names none).</summary>
    /// <param name="source">An <c>hf://</c> source.</param>
    /// <param name="kind">Whether the repository holds a model or a dataset (the URI does not say).</param>
    /// <returns>The repository, validated.</returns>
    /// <exception cref="ArgumentException">The source is not an <c>hf://</c> URI, or its id or revision is not valid.</exception>
    public static HubRepository FromSource(SourceUri source, HubRepoKind kind)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Kind != SourceKind.HuggingFace)
        {
            throw new ArgumentException($"source '{source}' is not an hf:// URI", nameof(source));
        }

        var repository = new HubRepository(source.Name, kind, source.Revision ?? "main");
        repository.Validate();
        return repository;
    }

    /// <summary>Checks the id and revision; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Id))
        {
            throw new ArgumentException("hub repository id is empty; expected org/name");
        }

        var parts = Id.Split('/');
        if (parts.Length > 2 || parts.Any(p => p.Length == 0 || p is "." or ".." || p.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))))
        {
            throw new ArgumentException($"hub repository id '{Id}' is not of the form org/name (letters, digits, '-', '_', '.')");
        }

        if (string.IsNullOrWhiteSpace(Revision) || Revision.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"hub revision '{Revision}' of '{Id}' is empty or contains '..'");
        }
    }
}
