namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>The evaluated arguments of a call, filter or test, bound to parameters by position or keyword as Python does.</summary>
internal sealed class JinjaArguments
{
    public JinjaArguments(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> keywords)
    {
        Positional = positional;
        Keywords = keywords;
    }

    /// <summary>No arguments.</summary>
    public static JinjaArguments None { get; } = new([], []);

    public IReadOnlyList<object?> Positional { get; }

    public IReadOnlyList<KeyValuePair<string, object?>> Keywords { get; }

    /// <summary>Positional arguments only.</summary>
    public static JinjaArguments Of(params object?[] positional) => new(positional, []);

    /// <summary>The same arguments with <paramref name="first"/> in front (a filter's value, a method's receiver).</summary>
    public JinjaArguments Prepend(object? first) => new([first, .. Positional], Keywords);

    /// <summary>The same arguments without the first <paramref name="count"/> positional ones.</summary>
    public JinjaArguments Skip(int count) => new([.. Positional.Skip(count)], Keywords);

    /// <summary>Rejects more positional arguments than <paramref name="parameters"/> and keywords not among them.</summary>
    public JinjaArguments Expect(string function, params string[] parameters)
    {
        if (Positional.Count > parameters.Length)
        {
            throw new JinjaRuntimeError($"{function}() takes at most {parameters.Length} argument(s) ({Positional.Count} given)");
        }

        foreach (var (name, _) in Keywords)
        {
            var index = Array.IndexOf(parameters, name);
            if (index < 0)
            {
                throw new JinjaRuntimeError($"{function}() got an unexpected keyword argument '{name}'");
            }

            if (index < Positional.Count)
            {
                throw new JinjaRuntimeError($"{function}() got multiple values for argument '{name}'");
            }
        }

        return this;
    }

    /// <summary>Whether the parameter at <paramref name="index"/> named <paramref name="name"/> was given.</summary>
    public bool Has(int index, string name) => index < Positional.Count || Keywords.Any(k => k.Key == name);

    /// <summary>The parameter at <paramref name="index"/> named <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (index < Positional.Count)
        {
            return Positional[index];
        }

        foreach (var (key, value) in Keywords)
        {
            if (key == name)
            {
                return value;
            }
        }

        return fallback;
    }

    /// <summary>A required parameter.</summary>
    public object? Require(string function, int index, string name) =>
        Has(index, name) ? Get(index, name) : throw new JinjaRuntimeError($"{function}() missing required argument '{name}'");
}
