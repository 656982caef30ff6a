using System.Diagnostics.CodeAnalysis;

namespace PostTrain.Api.Model;

/// <summary>
/// Where <c>pvc://</c> locations live inside a worker pod: the operator mounts claim <c>C</c> at
/// <c>{root}/C</c> (root <see cref="DefaultRoot"/>), and the worker maps <c>pvc://C/path</c> to
/// <c>{root}/C/path</c>. <see cref="TryToUri"/> is the inverse, which the worker uses to report what it wrote as a
/// <c>pvc://</c> URI rather than a path that only exists inside its pod.
/// </summary>
public static class PvcPaths
{
    /// <summary>The folder claims are mounted under in worker pods (the worker's <c>POSTTRAIN_PVC_ROOT</c> default).</summary>
    public const string DefaultRoot = "/mnt/pvc";

    /// <summary>Where a claim is mounted: <c>{root}/{claim}</c>.</summary>
    /// <param name="claim">The PersistentVolumeClaim's name.</param>
    /// <param name="root">The mount root.</param>
    /// <returns>The mount path.</returns>
    public static string MountPath(string claim, string root = DefaultRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(claim);
        ArgumentException.ThrowIfNullOrEmpty(root);
        return root.TrimEnd('/') + "/" + claim;
    }

    /// <summary>
    /// The <c>pvc://claim/rest</c> URI of a local path under <paramref name="root"/>: <c>{root}/claim/rest</c>. A pure
    /// function of its arguments (no file system access); <c>.</c> and <c>..</c> segments and repeated or trailing
    /// slashes are normalised first.
    /// </summary>
    /// <param name="localPath">An absolute path.</param>
    /// <param name="root">The absolute folder claims are mounted under.</param>
    /// <param name="uri">The URI, when the path lies in a claim under the root.</param>
    /// <returns>False for a relative path, a path outside the root, the root itself, or a first segment that is not a valid claim name.</returns>
    public static bool TryToUri(string? localPath, string? root, [NotNullWhen(true)] out string? uri)
    {
        uri = null;
        if (Normalize(localPath) is not { } path || Normalize(root) is not { } mountRoot)
        {
            return false;
        }

        var prefix = mountRoot.Length == 0 ? "/" : mountRoot + "/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || path.Length == prefix.Length)
        {
            return false;
        }

        var candidate = "pvc://" + path[prefix.Length..];
        if (!SourceUri.TryParse(candidate, out var parsed, out _) || parsed.Kind != SourceKind.Pvc)
        {
            return false;
        }

        uri = candidate;
        return true;
    }

    /// <summary>An absolute path with '.', '..', empty segments and the trailing slash removed ("" for "/"), or null when not absolute.</summary>
    private static string? Normalize(string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            return null;
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (segment)
            {
                case ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        return segments.Count == 0 ? "" : "/" + string.Join('/', segments);
    }
}
