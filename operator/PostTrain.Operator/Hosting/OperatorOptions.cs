using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace PostTrain.Operator.Hosting;

/// <summary>
/// The options of <c>posttrain-operator</c>'s run mode, on System.CommandLine. An option left out falls back to its
/// environment variable (read in <see cref="Read"/>, so that tests can hand in their own environment), then to the default
/// its description names.
/// </summary>
public sealed class OperatorOptions
{
    private readonly Option<string?> _namespace = new("--namespace")
    {
        Description = "The namespaces to watch, comma-separated; empty for all ($POSTTRAIN_NAMESPACE).",
        HelpName = "NS",
    };

    private readonly Option<string?> _workerImage = new("--worker-image")
    {
        Description = $"The worker image of jobs without spec.image ($POSTTRAIN_WORKER_IMAGE; default {new Rendering.WorkloadOptions().DefaultImage}).",
        HelpName = "IMG",
    };

    private readonly Option<int?> _concurrency = new("--concurrency")
    {
        Description = "Reconcile workers per kind ($POSTTRAIN_CONCURRENCY; default 2).",
        HelpName = "N",
        CustomParser = r => Number(r, 1),
    };

    private readonly Option<string?> _gpuResourceName = new("--gpu-resource-name")
    {
        Description = $"The GPU resource workers ask for ($POSTTRAIN_GPU_RESOURCE_NAME; default {Rendering.WorkloadOptions.DefaultGpuResourceName}).",
        HelpName = "NAME",
    };

    private readonly Option<int?> _port = new("--port")
    {
        Description = "The port of /metrics, /healthz and /readyz ($POSTTRAIN_PORT; default 8080).",
        HelpName = "N",
        CustomParser = r => Number(r, 0),
    };

    private readonly Option<bool> _leaderElect = new("--leader-elect") { Description = "Take a Lease before reconciling, so that one replica works at a time (the default)." };

    private readonly Option<bool> _noLeaderElect = new("--no-leader-elect") { Description = "Reconcile without a Lease (one replica only)." };

    private readonly Option<string?> _leaseNamespace = new("--lease-namespace")
    {
        Description = "The Lease's namespace ($POD_NAMESPACE; default posttrain-system).",
        HelpName = "NS",
    };

    private readonly Option<string> _leaseName = new("--lease-name")
    {
        Description = "The Lease's name.",
        HelpName = "NAME",
        DefaultValueFactory = _ => "posttrain-operator",
    };

    private readonly Option<string?> _identity = new("--identity")
    {
        Description = "This replica's name in the Lease ($POD_NAME; default the host name).",
        HelpName = "ID",
    };

    private readonly Option<string?> _kubeconfig = new("--kubeconfig")
    {
        Description = "A kubeconfig file (default: in-cluster, then $KUBECONFIG, then ~/.kube/config).",
        HelpName = "PATH",
    };

    private readonly Option<string?> _context = new("--context") { Description = "A kubeconfig context.", HelpName = "NAME" };

    private readonly Option<Uri?> _server = new("--server")
    {
        Description = "An API server URL used without credentials, for local testing.",
        HelpName = "URL",
        CustomParser = r =>
        {
            var text = r.Tokens[0].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            r.AddError($"--server: '{text}' is not an absolute URL");
            return null;
        },
    };

    /// <summary>Every option, in the order help lists them.</summary>
    public IReadOnlyList<Option> All =>
    [
        _namespace, _workerImage, _concurrency, _gpuResourceName, _port, _leaderElect, _noLeaderElect,
        _leaseNamespace, _leaseName, _identity, _kubeconfig, _context, _server,
    ];

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The configuration a parse of these options gives, over <paramref name="environment"/>.</summary>
    /// <exception cref="ArgumentException">An environment variable holds a bad number (the message names it).</exception>
    public OperatorConfiguration Read(ParseResult parse, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(environment);
        string? Env(string name) => environment(name) is { Length: > 0 } v ? v : null;
        return new OperatorConfiguration
        {
            Namespaces = List(parse.GetValue(_namespace) ?? Env("POSTTRAIN_NAMESPACE")),
            WorkerImage = parse.GetValue(_workerImage) ?? Env("POSTTRAIN_WORKER_IMAGE") ?? new Rendering.WorkloadOptions().DefaultImage,
            Concurrency = parse.GetValue(_concurrency) ?? EnvNumber("POSTTRAIN_CONCURRENCY", Env("POSTTRAIN_CONCURRENCY"), 1) ?? 2,
            GpuResourceName = parse.GetValue(_gpuResourceName) ?? Env("POSTTRAIN_GPU_RESOURCE_NAME") ?? Rendering.WorkloadOptions.DefaultGpuResourceName,
            Port = parse.GetValue(_port) ?? EnvNumber("POSTTRAIN_PORT", Env("POSTTRAIN_PORT"), 0) ?? 8080,
            LeaderElect = !parse.GetValue(_noLeaderElect),
            LeaseNamespace = parse.GetValue(_leaseNamespace) ?? Env("POD_NAMESPACE") ?? "posttrain-system",
            LeaseName = parse.GetRequiredValue(_leaseName),
            Identity = parse.GetValue(_identity) ?? Env("POD_NAME") ?? Environment.MachineName,
            Kubeconfig = parse.GetValue(_kubeconfig),
            Context = parse.GetValue(_context),
            Server = parse.GetValue(_server),
        };
    }

    private static string[] List(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    private static bool TryNumber(string text, int minimum, out int n) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out n) && n >= minimum;

    private static int? EnvNumber(string name, string? text, int minimum) =>
        text is null ? null
        : TryNumber(text, minimum, out var n) ? n
        : throw new ArgumentException($"{name}: expected an integer >= {minimum}, got '{text}'");

    private static int? Number(ArgumentResult result, int minimum)
    {
        var text = result.Tokens[0].Value;
        if (TryNumber(text, minimum, out var n))
        {
            return n;
        }

        var name = result.Parent is OptionResult option ? option.Option.Name : "value";
        result.AddError($"{name}: expected an integer >= {minimum}, got '{text}'");
        return null;
    }
}
