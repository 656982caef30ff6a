using System.Text.Json.Serialization;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>
/// One weighted reward; a completion's reward is the weighted sum of all of them, or 0 when a gate among them is not
/// passed. The fields besides type, name
/// and weight belong to one type each: mode to math, grounded to equations, timeoutSeconds to code and http, memoryMb and
/// allowUnisolatedCode to code, pattern to regex, url and retries to http.
/// </summary>
[ValidationRule("self.type == 'regex' ? has(self.pattern) : !has(self.pattern)", Message = "pattern is required for type regex and only allowed there", FieldPath = ".pattern")]
[ValidationRule("self.type == 'http' ? has(self.url) : !has(self.url)", Message = "url is required for type http and only allowed there", FieldPath = ".url")]
[ValidationRule("!has(self.mode) || self.type == 'math'", Message = "mode is only allowed for type math", FieldPath = ".mode")]
[ValidationRule("!has(self.grounded) || self.type == 'equations'", Message = "grounded is only allowed for type equations", FieldPath = ".grounded")]
[ValidationRule("!has(self.memoryMb) || self.type == 'code'", Message = "memoryMb is only allowed for type code", FieldPath = ".memoryMb")]
[ValidationRule("!has(self.allowUnisolatedCode) || self.type == 'code'", Message = "allowUnisolatedCode is only allowed for type code", FieldPath = ".allowUnisolatedCode")]
[ValidationRule("!has(self.retries) || self.type == 'http'", Message = "retries is only allowed for type http", FieldPath = ".retries")]
[ValidationRule("!has(self.timeoutSeconds) || self.type == 'code' || self.type == 'http'", Message = "timeoutSeconds is only allowed for types code and http", FieldPath = ".timeoutSeconds")]
public sealed class RewardSpec
{
    /// <summary>The default of <see cref="TimeoutSeconds"/> for code rewards.</summary>
    public const int DefaultCodeTimeoutSeconds = 10;

    /// <summary>The default of <see cref="TimeoutSeconds"/> for http rewards.</summary>
    public const int DefaultHttpTimeoutSeconds = 30;

    /// <summary>The reward type: math, code, regex or http.</summary>
    [Required]
    [Length(MaxLength = 16)]
    public RewardType Type { get; set; }

    /// <summary>A name for the reward's own metric (reward_NAME); unset: the type.</summary>
    [Pattern("^[a-z][a-z0-9_]*$")]
    public string? Name { get; set; }

    /// <summary>The weight of this reward in the sum.</summary>
    public double Weight { get; set; } = 1.0;

    /// <summary>
    /// A gate adds nothing to the sum (its weight is ignored): the completion's reward is 0 unless the gate scores 1.
    /// For example an equations gate makes a right final answer count only when every equation shown is right, so
    /// that lucky answers reached through wrong arithmetic are not reinforced. At least one reward must not be a gate.
    /// </summary>
    public bool Gate { get; set; }

    /// <summary>
    /// equations: an equation counts only when each operand is a number of the prompt or an earlier equation's result,
    /// and a final <c>#### n</c> must equal the last result (worked arithmetic that follows from the question).
    /// </summary>
    public bool? Grounded { get; set; }

    /// <summary>math: strict (only the expected answer format) or flexible (else the last number); default flexible.</summary>
    public MathMode? Mode { get; set; }

    /// <summary>code: seconds the tests may run (default 10); http: seconds per request (default 30).</summary>
    [RangeMinimum(1)]
    [RangeMaximum(3600)]
    public int? TimeoutSeconds { get; set; }

    /// <summary>code: memory limit of the sandbox in MiB (default 512).</summary>
    [RangeMinimum(16)]
    public int? MemoryMb { get; set; }

    /// <summary>
    /// code: where the worker finds no isolation for model-written code (no bubblewrap, no root for unshare, no sandbox
    /// sidecar), run it anyway as a plain process with rlimits and a seccomp filter. Unset or false: such a worker
    /// refuses the job and says why. The operator's pods always have the sandbox sidecar, so this matters only for
    /// <c>posttrain-worker run</c> on a machine of your own (docs/data-and-rewards.md, "The code sandbox").
    /// </summary>
    public bool? AllowUnisolatedCode { get; set; }

    /// <summary>regex: the pattern the completion must match (.NET syntax, matched anywhere unless anchored).</summary>
    [Length(MinLength = 1)]
    public string? Pattern { get; set; }

    /// <summary>
    /// http: the endpoint. It receives POST application/json {prompt, completion, reference, example} (reference: the
    /// item's answer or null; example: the whole item) and answers {reward: number, details?: string}; score is accepted
    /// in place of reward. 408, 429, 5xx and timeouts are retried; other answers fail the item.
    /// </summary>
    [Pattern("^https?://.+$")]
    public string? Url { get; set; }

    /// <summary>http: retries of a failed request (default 2), with exponential backoff.</summary>
    [RangeMinimum(0)]
    [RangeMaximum(10)]
    public int? Retries { get; set; }

    /// <summary>The math mode in effect.</summary>
    [JsonIgnore]
    public MathMode EffectiveMode => Mode ?? MathMode.Flexible;

    /// <summary>The timeout in effect for code and http rewards.</summary>
    [JsonIgnore]
    public int EffectiveTimeoutSeconds => TimeoutSeconds ?? (Type == RewardType.Http ? DefaultHttpTimeoutSeconds : DefaultCodeTimeoutSeconds);

    /// <summary>The sandbox memory limit in effect for code rewards.</summary>
    [JsonIgnore]
    public int EffectiveMemoryMb => MemoryMb ?? 512;

    /// <summary>The retries in effect for http rewards.</summary>
    [JsonIgnore]
    public int EffectiveRetries => Retries ?? 2;

    /// <summary>The metric name of this reward.</summary>
    [JsonIgnore]
    public string EffectiveName => Name ?? Type.ToString().ToLowerInvariant();
}
