using PostTrain.Api.Model;

namespace PostTrain.Operator.Workers;

/// <summary>
/// Turns the checkpoint location a worker reported into one that another job's pod can open. Workers report
/// <c>pvc://claim/path</c> for outputs on a claim; older workers reported the pod-local path instead
/// (<c>/mnt/pvc/claim/path</c>), which means nothing in another pod unless the claim is mounted there too.
/// </summary>
public static class CheckpointLocations
{
    /// <summary>
    /// <paramref name="uri"/> as a chainable source: a path (plain or <c>file://</c>) under the claim mount root
    /// <see cref="PvcPaths.DefaultRoot"/> becomes the <c>pvc://</c> URI of the same place, so the claim gets mounted;
    /// anything else is returned unchanged.
    /// </summary>
    /// <param name="uri">The reported checkpoint URI.</param>
    /// <returns>The URI to record and to chain from.</returns>
    public static string Normalize(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return SourceUri.TryParse(uri, out var parsed, out _) && parsed.Kind == SourceKind.File
            && PvcPaths.TryToUri(parsed.Path, PvcPaths.DefaultRoot, out var pvc)
            ? pvc
            : uri;
    }
}
