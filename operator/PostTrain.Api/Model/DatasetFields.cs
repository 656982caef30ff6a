using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>Field-name overrides: each names the dataset column to read in place of the format's default.</summary>
public sealed class DatasetFields
{
    /// <summary>The messages list (default: messages).</summary>
    [Length(MaxLength = 256)]
    public string? Messages { get; set; }

    /// <summary>The prompt (default: prompt; question for gsm8k; text for mbpp).</summary>
    [Length(MaxLength = 256)]
    public string? Prompt { get; set; }

    /// <summary>The completion or reference answer (default: completion; answer for gsm8k; code for mbpp).</summary>
    [Length(MaxLength = 256)]
    public string? Completion { get; set; }

    /// <summary>The tests of a code task (default: test_list).</summary>
    [Length(MaxLength = 256)]
    public string? Tests { get; set; }

    /// <summary>The system prompt, when the records carry one.</summary>
    [Length(MaxLength = 256)]
    public string? System { get; set; }
}
