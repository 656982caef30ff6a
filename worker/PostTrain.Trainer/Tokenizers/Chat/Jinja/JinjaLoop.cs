namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// The <c>loop</c> variable inside a for loop: <c>index</c>, <c>index0</c>, <c>revindex</c>, <c>revindex0</c>,
/// <c>first</c>, <c>last</c>, <c>length</c>, <c>previtem</c>, <c>nextitem</c>, <c>depth</c>, <c>depth0</c>,
/// <c>cycle(...)</c> and <c>changed(...)</c>.
/// </summary>
internal sealed class JinjaLoop
{
    private readonly IReadOnlyList<object?> _items;
    private IReadOnlyList<object?>? _lastChanged;

    public JinjaLoop(IReadOnlyList<object?> items) => _items = items;

    /// <summary>The 0-based position of the current item.</summary>
    public int Index0 { get; set; }

    public int Length => _items.Count;

    /// <summary>An attribute, or undefined.</summary>
    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)(Index0 + 1),
        "index0" => (long)Index0,
        "revindex" => (long)(Length - Index0),
        "revindex0" => (long)(Length - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => (long)Length,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? _items[Index0 - 1] : new JinjaUndefined("there is no previous item"),
        "nextitem" => Index0 < Length - 1 ? _items[Index0 + 1] : new JinjaUndefined("there is no next item"),
        "cycle" => JinjaFunction.Builtin("loop.cycle", (_, a) => a.Positional.Count == 0
            ? throw new JinjaRuntimeError("no items for cycling given")
            : a.Positional[Index0 % a.Positional.Count]),
        "changed" => JinjaFunction.Builtin("loop.changed", (_, a) => Changed(a.Positional)),
        _ => new JinjaUndefined($"'LoopContext' object has no attribute '{name}'"),
    };

    private bool Changed(IReadOnlyList<object?> values)
    {
        var current = new JinjaTuple([.. values]);
        if (_lastChanged is not null && PythonValues.Equals(new JinjaTuple([.. _lastChanged]), current))
        {
            return false;
        }

        _lastChanged = values;
        return true;
    }
}
