using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>A key in a Secret in the job's namespace.</summary>
public sealed class SecretKeySelector
{
    /// <summary>The Secret's name.</summary>
    [Required]
    [Length(MinLength = 1)]
    public string Name { get; set; } = "";

    /// <summary>The key within the Secret.</summary>
    [Length(MinLength = 1)]
    public string Key { get; set; } = "token";
}
