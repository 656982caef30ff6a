namespace PostTrain.Trainer.Sources;

/// <summary>How source URIs map to local files.</summary>
public sealed record SourceResolverOptions
{
    /// <summary>The folder PersistentVolumeClaims are mounted under: <c>pvc://claim/path</c> is <c>{PvcRoot}/claim/path</c>.</summary>
    public string PvcRoot { get; init; } = "/mnt/pvc";

    /// <summary>The hub settings used for <c>hf://</c> sources.</summary>
    public HubClientOptions Hub { get; init; } = new();

    /// <summary>Options from the environment: hub settings as <see cref="HubClientOptions.FromEnvironment"/>, and <c>POSTTRAIN_PVC_ROOT</c>.</summary>
    public static SourceResolverOptions FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var root = environment("POSTTRAIN_PVC_ROOT");
        return new SourceResolverOptions
        {
            Hub = HubClientOptions.FromEnvironment(environment),
            PvcRoot = string.IsNullOrWhiteSpace(root) ? "/mnt/pvc" : root,
        };
    }
}
