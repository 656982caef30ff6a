using System.Text.Json.Serialization;

namespace PostTrain.Api.Rlvr;

/// <summary>The kinds of verifiable reward.</summary>
public enum RewardType
{
    /// <summary>1 when the completion's final answer equals the reference answer numerically or symbolically.</summary>
    [JsonStringEnumMemberName("math")]
    Math,

    /// <summary>The fraction of the task's tests the completion's code passes in a sandbox.</summary>
    [JsonStringEnumMemberName("code")]
    Code,

    /// <summary>1 when the completion matches a regular expression (e.g. a required format).</summary>
    [JsonStringEnumMemberName("regex")]
    Regex,

    /// <summary>The number returned by an HTTP endpoint given the prompt, completion and reference.</summary>
    [JsonStringEnumMemberName("http")]
    Http,

    /// <summary>
    /// A step verifier for worked arithmetic: the fraction of the completion's <c>a op b = c</c> lines (or GSM8K
    /// <c>&lt;&lt;a op b=c&gt;&gt;</c> annotations) that are right; weight it below a math reward.
    /// </summary>
    [JsonStringEnumMemberName("equations")]
    Equations,
}
