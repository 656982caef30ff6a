namespace PostTrain.Api.Model;

/// <summary>Field-name overrides: each names the dataset column to read in place of the format's default.</summary>
public sealed class DatasetFields
{
    /// <summary>The messages list (default: messages).</summary>
    public string? Messages { get; set; }

    /// <summary>The prompt (default: prompt; question for gsm8k; text for mbpp).</summary>
    public string? Prompt { get; set; }

    /// <summary>The completion or reference answer (default: completion; answer for gsm8k; code for mbpp).</summary>
    public string? Completion { get; set; }

    /// <summary>The tests of a code task (default: test_list).</summary>
    public string? Tests { get; set; }

    /// <summary>The system prompt, when the records carry one.</summary>
    public string? System { get; set; }
}
