namespace PostTrain.Operator.Hosting;

/// <summary>
/// The operator's settings, from its command line (<see cref="OperatorOptions"/>) and environment. Flags win over
/// environment variables:
/// <c>--namespace</c> (<c>POSTTRAIN_NAMESPACE</c>; comma-separated, empty = all namespaces), <c>--worker-image</c>
/// (<c>POSTTRAIN_WORKER_IMAGE</c>), <c>--concurrency</c> (<c>POSTTRAIN_CONCURRENCY</c>), <c>--gpu-resource-name</c>
/// (<c>POSTTRAIN_GPU_RESOURCE_NAME</c>), <c>--port</c> (<c>POSTTRAIN_PORT</c>, /metrics /healthz /readyz),
/// <c>--leader-elect</c>/<c>--no-leader-elect</c>, <c>--lease-namespace</c> (<c>POD_NAMESPACE</c>),
/// <c>--lease-name</c>, <c>--identity</c> (<c>POD_NAME</c>), <c>--kubeconfig</c>, <c>--context</c>, <c>--server</c>
/// (an API server URL without credentials, for local testing).
/// </summary>
public sealed record OperatorConfiguration
{
    /// <summary>The namespaces to watch; empty for all.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>The default worker image.</summary>
    public string WorkerImage { get; init; } = new Rendering.WorkloadOptions().DefaultImage;

    /// <summary>Reconcile workers per kind.</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>The default GPU resource name.</summary>
    public string GpuResourceName { get; init; } = Rendering.WorkloadOptions.DefaultGpuResourceName;

    /// <summary>The HTTP port for /metrics, /healthz and /readyz.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Whether to use leader election.</summary>
    public bool LeaderElect { get; init; } = true;

    /// <summary>The Lease's namespace.</summary>
    public string LeaseNamespace { get; init; } = "posttrain-system";

    /// <summary>The Lease's name.</summary>
    public string LeaseName { get; init; } = "posttrain-operator";

    /// <summary>This replica's identity.</summary>
    public string Identity { get; init; } = Environment.MachineName;

    /// <summary>A kubeconfig path (default: in-cluster, then KUBECONFIG, then ~/.kube/config).</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>A kubeconfig context.</summary>
    public string? Context { get; init; }

    /// <summary>An API server URL used without credentials.</summary>
    public Uri? Server { get; init; }

    /// <summary>Parses flags over environment variables, with the same options the executable's command line has.</summary>
    /// <exception cref="ArgumentException">An unknown flag, a missing value or a bad number (the message names it).</exception>
    public static OperatorConfiguration Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var options = new OperatorOptions();
        var command = new System.CommandLine.RootCommand();
        options.AddTo(command);
        var parse = command.Parse(args);
        return parse.Errors.Count > 0
            ? throw new ArgumentException(string.Join(Environment.NewLine, parse.Errors.Select(e => e.Message)))
            : options.Read(parse, environment);
    }
}
