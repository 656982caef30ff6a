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
