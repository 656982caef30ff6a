namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// One level of variables. Jinja2's scoping: the template body is one scope (an <c>if</c> opens none), each iteration
/// of a for loop, each macro call and each <c>with</c> block opens a child, and <c>set</c> writes to the innermost
/// scope, so a loop cannot change an outer variable (that is what <c>namespace</c> is for).
/// </summary>
internal sealed class JinjaScope
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);
    private readonly JinjaScope? _parent;

    public JinjaScope(JinjaScope? parent) => _parent = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope._parent)
        {
            if (scope._variables.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;
}
