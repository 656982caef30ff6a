namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// The object <c>namespace(...)</c> makes: attributes that <c>{% set ns.attr = value %}</c> may change from inside loops,
/// where a plain <c>set</c> would only change the loop's own scope.
/// </summary>
public sealed class JinjaNamespace
{
    /// <summary>The attributes, in the order they were first set.</summary>
    public OrderedDictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}
