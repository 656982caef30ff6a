using System.Text.Json.Nodes;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>The spec fields every PostTrain kind shares: data, output, compute, scheduling and run control.</summary>
public abstract class JobSpecBase
{
    /// <summary>The data the job trains or evaluates on. Immutable.</summary>
    [Required]
    [ValidationRule("self == oldSelf", Message = "dataset is immutable")]
    public DatasetSpec Dataset { get; set; } = new();

    /// <summary>
    /// Extra variables for the model's own chat template wherever the job's conversations become tokens (SFT examples,
    /// RLVR prompts, Eval prompts), as Hugging Face's apply_chat_template(**kwargs) takes them, e.g.
    /// {enable_thinking: false} for Qwen3. Only for a model whose tokenizer_config.json or chat_template.jinja has a
    /// template; they win over the template's other variables.
    /// </summary>
    [PreserveUnknownFields]
    public JsonObject? ChatTemplateKwargs { get; set; }

    /// <summary>Where checkpoints (or, for EvalJob, result files) are written.</summary>
    public OutputSpec Output { get; set; } = new();

    /// <summary>auto resumes from the newest complete checkpoint at the output location; never starts afresh.</summary>
    public ResumePolicy Resume { get; set; } = ResumePolicy.Auto;

    /// <summary>GPUs, nodes, CPU and memory per worker pod.</summary>
    public ResourcesSpec Resources { get; set; } = new();

    /// <summary>Node selection, tolerations, affinity, priority and queueing of the worker pods.</summary>
    public SchedulingSpec? Scheduling { get; set; }

    /// <summary>The worker image; unset uses the operator's default worker image.</summary>
    public string? Image { get; set; }

    /// <summary>Extra environment variables of the worker container.</summary>
    public List<EnvVar>? Env { get; set; }

    /// <summary>The Secret key holding a Hugging Face token, exposed to the worker as HF_TOKEN.</summary>
    public SecretKeySelector? HfTokenSecret { get; set; }

    /// <summary>True stops the job's pods (checkpoints are kept); false lets it (re)start.</summary>
    public bool Suspend { get; set; }

    /// <summary>Delete the job this many seconds after it finished; unset keeps it.</summary>
    [RangeMinimum(0)]
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>How many times failed worker pods are retried before the job fails.</summary>
    [RangeMinimum(0)]
    public int BackoffLimit { get; set; } = 3;

    /// <summary>Fail the job when it has been running for longer than this many seconds; unset means no limit.</summary>
    [RangeMinimum(1)]
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>The seed of every random choice (shuffling, initialisation, sampling), for reproducible runs.</summary>
    [RangeMinimum(0)]
    public long Seed { get; set; } = 42;
}
