using k8s.Models;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// Turns a container's image, command and args into a host command line: the first matching
/// <see cref="ImageMapping"/> supplies the entrypoint (when the container sets no command) and replaces a first word
/// it maps; an image nothing maps fails the pod (ErrImagePull) unless unmapped images may run their commands as
/// they are.
/// </summary>
internal sealed class ImageResolver(IReadOnlyList<ImageMapping> mappings, bool runUnmappedImages, string nodeName)
{
    /// <summary>The command line as the container states it (entrypoint or command, then args), before any host mapping.</summary>
    public IReadOnlyList<string> ContainerCommand(V1Container container)
    {
        var image = container.Image ?? "";
        var mapping = mappings.FirstOrDefault(m => m.Matches(image));
        if (mapping is null && !runUnmappedImages)
        {
            throw PodSetupException.Fail(
                "ErrImagePull",
                $"image \"{image}\" is not mapped to a host command on node \"{nodeName}\": the node agent pulls no images; map its repository (NodeAgentOptions.Images, --image) or let unmapped images run their commands on the host (--run-unmapped-images)");
        }

        // As a container runtime does: command replaces the image's ENTRYPOINT, args its CMD; with no ENTRYPOINT the
        // args are the whole command line (kubectl run IMAGE -- sh -c ...).
        IEnumerable<string> entrypoint = container.Command is { Count: > 0 } command ? command : mapping?.Entrypoint ?? [];
        List<string> argv = [.. entrypoint, .. container.Args ?? new List<string>()];
        if (argv.Count == 0)
        {
            throw PodSetupException.Fail("StartError", $"container {container.Name} sets neither command nor args, and the node agent does not know the CMD of image \"{image}\"");
        }

        return argv;
    }

    /// <summary>
    /// The host command line of <paramref name="argv"/> (already expanded and translated): a mapped first word
    /// replaced by its host command, the executable found through <paramref name="path"/>.
    /// </summary>
    public IReadOnlyList<string> HostCommand(V1Container container, IReadOnlyList<string> argv, string? path)
    {
        var image = container.Image ?? "";
        var mapping = mappings.FirstOrDefault(m => m.Matches(image));
        List<string> host = [.. argv];
        if (mapping is not null && mapping.Commands.TryGetValue(argv[0], out var replacement))
        {
            foreach (var file in replacement.Where(w => w.StartsWith('/')))
            {
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    throw PodSetupException.Fail("StartError", $"{file}, the host command of \"{argv[0]}\" in image \"{image}\", does not exist (build it, or map the image to another path)");
                }
            }

            host = [.. replacement, .. argv.Skip(1)];
        }

        var executable = Processes.ContainerProcess.FindOnPath(host[0], path)
            ?? throw PodSetupException.Fail("StartError", $"exec: \"{host[0]}\": executable file not found in $PATH");
        host[0] = executable;
        return host;
    }
}
