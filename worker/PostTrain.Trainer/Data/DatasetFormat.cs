namespace PostTrain.Trainer.Data;

/// <summary>The record layouts the loader understands; all are normalised to <see cref="Example"/>.</summary>
public enum DatasetFormat
{
    /// <summary>Detect per record: <c>messages</c> → chat, <c>question</c>+<c>answer</c> → GSM8K, <c>text</c>+<c>code</c> → MBPP, <c>prompt</c> → prompt/completion.</summary>
    Auto,

    /// <summary><c>{"messages": [{"role", "content"}, ...]}</c>.</summary>
    Messages,

    /// <summary><c>{"prompt", "completion"?, "answer"?}</c>.</summary>
    PromptCompletion,

    /// <summary>GSM8K: <c>{"question", "answer"}</c>, the answer a worked solution ending in <c>#### final</c>.</summary>
    Gsm8k,

    /// <summary>MBPP: <c>{"text", "code", "test_list", "test_setup_code"?, "task_id"?}</c>.</summary>
    Mbpp,
}
