namespace PostTrain.Trainer.Data;

/// <summary>
/// Overrides of the JSON field names a format reads; a null property keeps the format's default
/// (shown in brackets: prompt/completion, GSM8K, MBPP, messages).
/// </summary>
public sealed record FieldNames
{
    /// <summary>The prompt field [prompt, question, text].</summary>
    public string? Prompt { get; init; }

    /// <summary>The completion / worked-solution / code field [completion, answer, code].</summary>
    public string? Completion { get; init; }

    /// <summary>The final-answer field [answer; GSM8K takes it from the text after <c>####</c>].</summary>
    public string? Answer { get; init; }

    /// <summary>The chat turns field [messages].</summary>
    public string? Messages { get; init; }

    /// <summary>The Python tests field [test_list].</summary>
    public string? Tests { get; init; }

    /// <summary>The test setup code field [test_setup_code].</summary>
    public string? TestSetupCode { get; init; }

    /// <summary>The id field [id, or task_id for MBPP].</summary>
    public string? Id { get; init; }
}
