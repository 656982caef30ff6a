namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>A function the template can call: a global (<c>range</c>, <c>raise_exception</c>), a bound method (<c>'a'.upper</c>) or a macro.</summary>
/// <param name="Name">The name, for messages.</param>
/// <param name="TypeName">Python's type name for it (<c>builtin_function_or_method</c>, <c>Macro</c>).</param>
/// <param name="Invoke">Runs it.</param>
internal sealed record JinjaFunction(string Name, string TypeName, Func<JinjaRuntime, JinjaArguments, object?> Invoke)
{
    /// <summary>A built-in function or bound method.</summary>
    public static JinjaFunction Builtin(string name, Func<JinjaRuntime, JinjaArguments, object?> invoke) => new(name, "builtin_function_or_method", invoke);
}
