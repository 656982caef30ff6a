namespace PostTrain.Api;

/// <summary>The API group and version every PostTrain kind belongs to.</summary>
public static class ApiGroup
{
    /// <summary>The API group.</summary>
    public const string Group = "posttrain.dev";

    /// <summary>The version of the kinds in this assembly.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The <c>apiVersion</c> field value: <c>posttrain.dev/v1alpha1</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>The category every kind belongs to: <c>kubectl get posttrain</c>.</summary>
    public const string Category = "posttrain";
}
