using System.Collections;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>What <c>dict.keys()</c>, <c>values()</c> and <c>items()</c> return: a sequence that iterates like a list and prints as <c>dict_items([...])</c>.</summary>
internal sealed class PythonDictView : IReadOnlyList<object?>
{
    private readonly List<object?> _items;

    public PythonDictView(string typeName, IEnumerable<object?> items)
    {
        TypeName = typeName;
        _items = [.. items];
    }

    /// <summary><c>dict_keys</c>, <c>dict_values</c> or <c>dict_items</c>.</summary>
    public string TypeName { get; }

    public int Count => _items.Count;

    public object? this[int index] => _items[index];

    public IEnumerator<object?> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
