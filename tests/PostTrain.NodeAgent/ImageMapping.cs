namespace PostTrain.NodeAgent;

/// <summary>
/// What an image means on this machine: no image is pulled; a container of a matching image runs its command (or
/// <see cref="Entrypoint"/>) and args as a host process, with entrypoint words replaced by host commands.
/// </summary>
public sealed record ImageMapping
{
    /// <summary>
    /// Matches every image whose repository (the reference without tag or digest, e.g.
    /// <c>ghcr.io/posttrain/posttrain-worker</c>) ends with this text.
    /// </summary>
    public required string RepositorySuffix { get; init; }

    /// <summary>
    /// Host commands that replace a first word of the command line, e.g. <c>posttrain-worker</c> →
    /// <c>dotnet /path/posttrain-worker.dll</c>. Any other first word runs as it is, found through the pod's PATH.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Commands { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>
    /// The image's ENTRYPOINT, used when a container sets no command (its args follow it); empty: a container's args
    /// are its whole command line, as for an image without ENTRYPOINT.
    /// </summary>
    public IReadOnlyList<string> Entrypoint { get; init; } = [];

    /// <summary>The repository of an image reference: without <c>@digest</c> and without <c>:tag</c>.</summary>
    public static string Repository(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var reference = at >= 0 ? image[..at] : image;
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? reference[..colon] : reference;
    }

    /// <summary>Whether this mapping covers <paramref name="image"/>.</summary>
    public bool Matches(string image) => Repository(image).EndsWith(RepositorySuffix, StringComparison.Ordinal);

    /// <summary>
    /// The built-in mapping: images whose repository ends in <c>posttrain-worker</c> run the worker built in this
    /// repository, <c>posttrain-worker</c> becoming <c>dotnet WORKER_DLL</c> (the image's entrypoint too).
    /// </summary>
    public static ImageMapping PostTrainWorker(string dotnet, string workerDll) => new()
    {
        RepositorySuffix = "posttrain-worker",
        Commands = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["posttrain-worker"] = [dotnet, workerDll] },
        Entrypoint = ["posttrain-worker"],
    };
}
