using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Trainer.Rewards;

/// <summary>Builds rewards from <see cref="RewardSpec"/>s; configuration errors name the reward and the field.</summary>
public sealed class RewardFactory
{
    private readonly HttpClient? _http;
    private readonly PythonSandboxOptions _sandbox;
    private readonly Func<PythonSandboxOptions, ICodeSandbox> _sandboxes;
    private readonly List<ICodeSandbox> _created = [];

    /// <summary>
    /// Creates a factory; <paramref name="httpClient"/> is needed for http rewards, <paramref name="sandbox"/> sets
    /// code-reward limits, and <paramref name="sandboxes"/> makes a code reward's sandbox from its options (default: a
    /// local <see cref="PythonSandbox"/>; the worker gives a <see cref="RemoteSandbox"/> when a sandbox sidecar serves one).
    /// </summary>
    public RewardFactory(HttpClient? httpClient = null, PythonSandboxOptions? sandbox = null, Func<PythonSandboxOptions, ICodeSandbox>? sandboxes = null)
    {
        _http = httpClient;
        _sandbox = sandbox ?? new PythonSandboxOptions();
        _sandboxes = sandboxes ?? (o => new PythonSandbox(o));
    }

    /// <summary>The sandboxes of the code rewards created so far (their <see cref="ICodeSandbox.Isolation"/> is worth a log line).</summary>
    public IReadOnlyList<ICodeSandbox> CodeSandboxes => _created;

    /// <summary>Builds the reward; <paramref name="path"/> names it in errors (e.g. <c>spec.rewards[1]</c>).</summary>
    public IRewardFunction Create(RewardSpec spec, string path = "reward")
    {
        ArgumentNullException.ThrowIfNull(spec);
        var kind = spec.Kind?.Trim().ToLowerInvariant();
        var name = string.IsNullOrWhiteSpace(spec.Name) ? kind ?? "reward" : spec.Name;
        switch (kind)
        {
            case "math":
                return new MathReward(spec.Extraction, name);
            case "equations":
                return new EquationReward(name, spec.Grounded);
            case "regex" or "format":
                if (string.IsNullOrEmpty(spec.Pattern))
                {
                    throw new ArgumentException($"{path}: a regex reward needs 'pattern'");
                }

                return new RegexFormatReward(spec.Pattern, spec.Multiline ? System.Text.RegularExpressions.RegexOptions.Multiline : System.Text.RegularExpressions.RegexOptions.None, name);
            case "code":
                var limits = _sandbox with
                {
                    WallTimeout = spec.Timeout ?? _sandbox.WallTimeout,
                    CpuSeconds = spec.Timeout is { } t ? Math.Max(_sandbox.CpuSeconds, (int)Math.Ceiling(t.TotalSeconds)) : _sandbox.CpuSeconds,
                    MemoryBytes = spec.MemoryBytes ?? _sandbox.MemoryBytes,
                    AllowUnisolated = _sandbox.AllowUnisolated || spec.AllowUnisolatedCode,
                };
                ICodeSandbox sandbox;
                try
                {
                    sandbox = _sandboxes(limits);
                }
                catch (SandboxUnavailableException e)
                {
                    throw new SandboxUnavailableException($"{path}: {e.Message}", e);
                }

                _created.Add(sandbox);
                return new CodeReward(new CodeRewardOptions { AllOrNothing = spec.AllOrNothing, Name = name, Sandbox = limits }, sandbox);
            case "http":
                if (!Uri.TryCreate(spec.Url, UriKind.Absolute, out var url))
                {
                    throw new ArgumentException($"{path}: an http reward needs an absolute 'url', got '{spec.Url}'");
                }

                if (_http is null)
                {
                    throw new InvalidOperationException($"{path}: http rewards need an HttpClient; give one to the RewardFactory");
                }

                var defaults = new HttpVerifierOptions { Url = url };
                return new HttpVerifierReward(
                    defaults with { Name = name, Timeout = spec.Timeout ?? defaults.Timeout, MaxAttempts = spec.MaxAttempts ?? defaults.MaxAttempts },
                    _http);
            case "composite":
                if (spec.Parts is null || spec.Parts.Count == 0)
                {
                    throw new ArgumentException($"{path}: a composite reward needs 'parts'");
                }

                var parts = spec.Parts.Select((p, i) => new WeightedReward(Create(p, $"{path}.parts[{i}]"), p.Weight, p.Gate)).ToList();
                try
                {
                    return new WeightedCompositeReward(parts, spec.Normalize, name);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"{path}: {e.Message}", e);
                }

            default:
                throw new ArgumentException($"{path}: unknown reward kind '{spec.Kind}'; expected math, code, regex, http or composite");
        }
    }
}
