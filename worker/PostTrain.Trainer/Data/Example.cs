using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Data;

/// <summary>
/// One training or evaluation item, whatever format it came from. Either <see cref="Prompt"/> or <see cref="Messages"/> is set.
/// SFT trains on <see cref="Completion"/> (or the last assistant turn of <see cref="Messages"/>); RLVR and evaluation score
/// generations against <see cref="ReferenceAnswer"/> (math) or <see cref="Tests"/> (code).
/// </summary>
public sealed record Example
{
    /// <summary>A stable id: the record's own id field when it has one, else <c>{file}:{line}</c> or the builtin's index.</summary>
    public required string Id { get; init; }

    /// <summary>The prompt text (prompt/completion, GSM8K question, MBPP text); null for chat records.</summary>
    public string? Prompt { get; init; }

    /// <summary>The chat turns (messages format); null otherwise.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    /// <summary>The target text: the completion, GSM8K's worked answer, MBPP's code; null when the item only has a checkable answer.</summary>
    public string? Completion { get; init; }

    /// <summary>The final answer a reward checks against (GSM8K: the text after <c>####</c>); null when there is none.</summary>
    public string? ReferenceAnswer { get; init; }

    /// <summary>Python test statements (MBPP's <c>test_list</c>, e.g. <c>assert f(1) == 2</c>); null when there are none.</summary>
    public IReadOnlyList<string>? Tests { get; init; }

    /// <summary>Python run before the tests (MBPP's <c>test_setup_code</c>); null when there is none.</summary>
    public string? TestSetupCode { get; init; }

    /// <summary>The layout the record was read as (<see cref="DatasetFormat.Auto"/> for generated items).</summary>
    public DatasetFormat Format { get; init; }

    /// <summary>The file the record came from (or the builtin URI); null when unknown.</summary>
    public string? Source { get; init; }

    /// <summary>The 1-based line (JSON lines), element index + 1 (JSON arrays) or row (parquet) in <see cref="Source"/>; 0 when not from a file.</summary>
    public int SourceLine { get; init; }

    /// <summary>The prompt text for generation: <see cref="Prompt"/>, or the last user turn of <see cref="Messages"/>.</summary>
    public string PromptText => Prompt ?? Messages?.LastOrDefault(m => m.Role == "user")?.Content ?? string.Empty;
}
