namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>What iterating a value gives, as in Python: a string's characters, a list's or tuple's items, a dict's keys; undefined iterates as empty (Jinja2's default Undefined).</summary>
internal static class JinjaIteration
{
    public static IReadOnlyList<object?> Items(JinjaRuntime runtime, object? value) => value switch
    {
        IReadOnlyList<object?> list => list,
        OrderedDictionary<object, object?> dict => [.. dict.Keys],
        string s => Characters(runtime, s),
        JinjaUndefined => [],
        _ => throw new JinjaRuntimeError($"'{PythonValues.TypeName(value)}' object is not iterable"),
    };

    private static List<object?> Characters(JinjaRuntime runtime, string s)
    {
        var result = new List<object?>();
        var offset = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            result.Add(runtime.Provenance.Substring(s, offset, rune.Utf16SequenceLength));
            offset += rune.Utf16SequenceLength;
        }

        return result;
    }

    /// <summary>Python's <c>len(value)</c>; undefined has length 0.</summary>
    public static long Length(object? value) => value switch
    {
        string s => PythonStrings.Length(s),
        IReadOnlyCollection<object?> c => c.Count,
        OrderedDictionary<object, object?> d => d.Count,
        JinjaUndefined => 0,
        _ => throw new JinjaRuntimeError($"object of type '{PythonValues.TypeName(value)}' has no len()"),
    };
}
