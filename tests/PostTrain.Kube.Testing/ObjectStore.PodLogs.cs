using System.Collections.Concurrent;
using System.Text;

namespace PostTrain.Kube.Testing;

/// <summary>What pods printed, as the kubelet keeps it for <c>kubectl logs</c>: appended by whoever runs the pod.</summary>
public sealed partial class ObjectStore
{
    private readonly ConcurrentDictionary<(string Namespace, string Pod, string Container), StringBuilder> _logs = new();

    /// <summary>Appends <paramref name="text"/> to the log of <paramref name="container"/> in pod <paramref name="pod"/>.</summary>
    public void AppendPodLog(string ns, string pod, string container, string text)
    {
        var log = _logs.GetOrAdd((ns, pod, container), _ => new StringBuilder());
        lock (log)
        {
            log.Append(text);
        }
    }

    /// <summary>The log of a pod's container so far ("" when it printed nothing).</summary>
    public string PodLog(string ns, string pod, string container)
    {
        if (!_logs.TryGetValue((ns, pod, container), out var log))
        {
            return "";
        }

        lock (log)
        {
            return log.ToString();
        }
    }
}
