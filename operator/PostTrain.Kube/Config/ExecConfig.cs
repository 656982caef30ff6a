using YamlDotNet.Serialization;

namespace PostTrain.Kube.Config;

/// <summary>A kubeconfig exec credential plugin (client.authentication.k8s.io).</summary>
public sealed class ExecConfig
{
    /// <summary>The command (a path relative to the kubeconfig, or a name on PATH).</summary>
    [YamlMember(Alias = "command")]
    public string? Command { get; set; }

    /// <summary>Arguments.</summary>
    [YamlMember(Alias = "args")]
    public List<string>? Args { get; set; }

    /// <summary>Extra environment variables.</summary>
    [YamlMember(Alias = "env")]
    public List<ExecEnvVar>? Env { get; set; }

    /// <summary>The ExecCredential apiVersion the plugin speaks.</summary>
    [YamlMember(Alias = "apiVersion")]
    public string? ApiVersion { get; set; }

    /// <summary>Shown when the command is missing.</summary>
    [YamlMember(Alias = "installHint")]
    public string? InstallHint { get; set; }

    /// <summary>Never, IfAvailable or Always (only Never/IfAvailable work without a terminal).</summary>
    [YamlMember(Alias = "interactiveMode")]
    public string? InteractiveMode { get; set; }

    /// <summary>Whether the plugin wants cluster info in KUBERNETES_EXEC_INFO.</summary>
    [YamlMember(Alias = "provideClusterInfo")]
    public bool? ProvideClusterInfo { get; set; }
}

/// <summary>An environment variable for an exec plugin.</summary>
public sealed class ExecEnvVar
{
    /// <summary>Name.</summary>
    [YamlMember(Alias = "name")]
    public string Name { get; set; } = "";

    /// <summary>Value.</summary>
    [YamlMember(Alias = "value")]
    public string Value { get; set; } = "";
}
