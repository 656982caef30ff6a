using System.Collections;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>A Python tuple: an immutable sequence that prints as <c>(a, b)</c> and never equals a list.</summary>
public sealed class JinjaTuple : IReadOnlyList<object?>
{
    private readonly object?[] _items;

    /// <summary>Creates a tuple of <paramref name="items"/>.</summary>
    public JinjaTuple(params object?[] items) => _items = items;

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public object? this[int index] => _items[index];

    /// <inheritdoc />
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
