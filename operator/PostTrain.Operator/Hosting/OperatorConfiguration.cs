using System.Globalization;

namespace PostTrain.Operator.Hosting;

/// <summary>
/// The operator's command line and environment. Flags win over environment variables:
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

    /// <summary>Parses flags over environment variables.</summary>
    /// <exception cref="ArgumentException">An unknown flag, a missing value or a bad number (the message names it).</exception>
    public static OperatorConfiguration Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        string? Env(string name) => environment(name) is { Length: > 0 } v ? v : null;
        var config = new OperatorConfiguration
        {
            Namespaces = List(Env("POSTTRAIN_NAMESPACE")),
            WorkerImage = Env("POSTTRAIN_WORKER_IMAGE") ?? new Rendering.WorkloadOptions().DefaultImage,
            Concurrency = Env("POSTTRAIN_CONCURRENCY") is { } c ? Number("POSTTRAIN_CONCURRENCY", c, 1) : 2,
            GpuResourceName = Env("POSTTRAIN_GPU_RESOURCE_NAME") ?? Rendering.WorkloadOptions.DefaultGpuResourceName,
            Port = Env("POSTTRAIN_PORT") is { } p ? Number("POSTTRAIN_PORT", p, 0) : 8080,
            LeaseNamespace = Env("POD_NAMESPACE") ?? "posttrain-system",
            Identity = Env("POD_NAME") ?? Environment.MachineName,
        };

        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{flag}: needs a value");
                }

                return args[++i];
            }

            config = flag switch
            {
                "--namespace" => config with { Namespaces = List(Value()) },
                "--worker-image" => config with { WorkerImage = Value() },
                "--concurrency" => config with { Concurrency = Number(flag, Value(), 1) },
                "--gpu-resource-name" => config with { GpuResourceName = Value() },
                "--port" => config with { Port = Number(flag, Value(), 0) },
                "--leader-elect" => config with { LeaderElect = true },
                "--no-leader-elect" => config with { LeaderElect = false },
                "--lease-namespace" => config with { LeaseNamespace = Value() },
                "--lease-name" => config with { LeaseName = Value() },
                "--identity" => config with { Identity = Value() },
                "--kubeconfig" => config with { Kubeconfig = Value() },
                "--context" => config with { Context = Value() },
                "--server" => config with { Server = Uri.TryCreate(Value(), UriKind.Absolute, out var uri) ? uri : throw new ArgumentException($"--server: '{args[i]}' is not an absolute URL") },
                _ => throw new ArgumentException($"unknown flag '{flag}' (known: --namespace, --worker-image, --concurrency, --gpu-resource-name, --port, --leader-elect, --no-leader-elect, --lease-namespace, --lease-name, --identity, --kubeconfig, --context, --server)"),
            };
        }

        return config;
    }

    private static string[] List(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    private static int Number(string name, string text, int minimum) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= minimum
            ? n
            : throw new ArgumentException($"{name}: expected an integer >= {minimum}, got '{text}'");
}
