namespace PostTrain.Trainer.Sources;

/// <summary>Where the hub is, who we are to it, and where downloaded files are kept.</summary>
public sealed record HubClientOptions
{
    /// <summary>The default hub endpoint when <c>HF_ENDPOINT</c> is not set.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub's base URL, without a trailing slash (<c>HF_ENDPOINT</c>).</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>A bearer token sent as <c>Authorization: Bearer</c> to the endpoint's host only (<c>HF_TOKEN</c>); null sends none.</summary>
    public string? Token { get; init; }

    /// <summary>The cache root; files go to <c>{CacheDirectory}/hub/{models|datasets}/{org}--{name}/{revision}/{file}</c>.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>How many times one file download is attempted (resuming from the partial file) before the error is raised.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The pause before the second attempt, on average; it doubles with each further attempt, with jitter (Polly's exponential backoff), unless the hub sends <c>Retry-After</c>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>When true, files already in the cache are downloaded again.</summary>
    public bool ForceDownload { get; init; }

    /// <summary>
    /// Options from the environment: <c>HF_ENDPOINT</c>, <c>HF_TOKEN</c>, and the cache root from
    /// <c>POSTTRAIN_CACHE</c>, else <c>HF_HOME</c>, else <c>~/.cache/posttrain</c>.
    /// </summary>
    /// <param name="environment">Reads one variable; defaults to <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    public static HubClientOptions FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var endpoint = environment("HF_ENDPOINT");
        var token = environment("HF_TOKEN");
        return new HubClientOptions
        {
            Endpoint = string.IsNullOrWhiteSpace(endpoint) ? DefaultEndpoint : endpoint.TrimEnd('/'),
            Token = string.IsNullOrWhiteSpace(token) ? null : token.Trim(),
            CacheDirectory = DefaultCacheDirectory(environment),
        };
    }

    private static string DefaultCacheDirectory(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var explicitCache = environment("POSTTRAIN_CACHE");
        if (!string.IsNullOrWhiteSpace(explicitCache))
        {
            return explicitCache;
        }

        var hfHome = environment("HF_HOME");
        if (!string.IsNullOrWhiteSpace(hfHome))
        {
            return hfHome;
        }

        var home = environment("HOME");
        if (string.IsNullOrWhiteSpace(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return Path.Combine(home, ".cache", "posttrain");
    }
}
