using PostTrain.Api.Jobs;
using PostTrain.Api.Model;

namespace PostTrain.Api.Loading;

/// <summary>
/// Orders jobs so that every job named by a fromJob runs before the jobs that start from it (a stable
/// topological sort: independent jobs keep their document order). References to jobs that are not in the set,
/// references of the wrong kind, duplicate names and cycles are errors.
/// </summary>
public static class JobDependencyOrder
{
    /// <summary>Orders <paramref name="jobs"/> by their fromJob references.</summary>
    /// <param name="jobs">The jobs, e.g. the documents of one manifest file.</param>
    /// <param name="source">The name errors are reported under.</param>
    /// <returns>The jobs, dependencies first.</returns>
    /// <exception cref="ManifestException">A reference is missing or of the wrong kind, a name repeats, or references form a cycle.</exception>
    public static IReadOnlyList<PostTrainJob> Sort(IReadOnlyList<PostTrainJob> jobs, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var errors = new List<ManifestError>();
        var byKey = new Dictionary<(string Kind, string Namespace, string Name), int>();
        for (var i = 0; i < jobs.Count; i++)
        {
            if (!byKey.TryAdd(Key(jobs[i]), i))
            {
                errors.Add(new ManifestError(source, i, 0, 0, "metadata.name", $"{jobs[i].DisplayName} is defined more than once"));
            }
        }

        var dependencies = new List<int>[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            dependencies[i] = [];
            foreach (var (path, reference) in jobs[i].JobReferences())
            {
                var key = (reference.Kind.ToString(), Namespace(jobs[i]), reference.Name);
                if (byKey.TryGetValue(key, out var target))
                {
                    if (target == i)
                    {
                        errors.Add(new ManifestError(source, i, 0, 0, path, $"{jobs[i].DisplayName} cannot start from itself"));
                    }
                    else if (!dependencies[i].Contains(target))
                    {
                        dependencies[i].Add(target);
                    }

                    continue;
                }

                var sameName = jobs.Where(j => j.Metadata.Name == reference.Name && Namespace(j) == key.Item2).Select(j => j.Kind).ToList();
                var hint = sameName.Count > 0 ? $" (there is a {string.Join(" and a ", sameName)} of that name: check kind)" : "";
                errors.Add(new ManifestError(source, i, 0, 0, path, $"{jobs[i].DisplayName} starts from {reference}, which is not defined here{hint}"));
            }
        }

        if (errors.Count > 0)
        {
            throw new ManifestException(errors);
        }

        var order = new List<PostTrainJob>(jobs.Count);
        var state = new int[jobs.Count]; // 0 new, 1 visiting, 2 done
        var stack = new List<int>();
        for (var i = 0; i < jobs.Count; i++)
        {
            Visit(i);
        }

        return order;

        void Visit(int i)
        {
            if (state[i] == 2)
            {
                return;
            }

            if (state[i] == 1)
            {
                var cycle = stack.Skip(stack.IndexOf(i)).Append(i).Select(j => jobs[j].DisplayName);
                throw new ManifestException([new ManifestError(source, i, 0, 0, "", $"fromJob references form a cycle: {string.Join(" -> ", cycle)}")]);
            }

            state[i] = 1;
            stack.Add(i);
            foreach (var dependency in dependencies[i])
            {
                Visit(dependency);
            }

            stack.RemoveAt(stack.Count - 1);
            state[i] = 2;
            order.Add(jobs[i]);
        }
    }

    private static (string Kind, string Namespace, string Name) Key(PostTrainJob job) =>
        (job.Kind, Namespace(job), job.Metadata.Name ?? "");

    private static string Namespace(PostTrainJob job) => job.Metadata.Namespace is { Length: > 0 } ns ? ns : "default";

}
