namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>The expression syntax tree: each node knows where it starts, for error messages.</summary>
internal abstract record JinjaExpression(JinjaSourcePosition Position);

/// <summary>A literal: string, integer (long), float (double), bool or none (null).</summary>
internal sealed record ConstantExpression(JinjaSourcePosition Position, object? Value) : JinjaExpression(Position);

/// <summary>A variable reference.</summary>
internal sealed record NameExpression(JinjaSourcePosition Position, string Name) : JinjaExpression(Position);

/// <summary><c>[a, b]</c>.</summary>
internal sealed record ListExpression(JinjaSourcePosition Position, IReadOnlyList<JinjaExpression> Items) : JinjaExpression(Position);

/// <summary><c>(a, b)</c> or a bare <c>a, b</c>.</summary>
internal sealed record TupleExpression(JinjaSourcePosition Position, IReadOnlyList<JinjaExpression> Items) : JinjaExpression(Position);

/// <summary><c>{k: v, ...}</c>.</summary>
internal sealed record DictExpression(JinjaSourcePosition Position, IReadOnlyList<(JinjaExpression Key, JinjaExpression Value)> Pairs) : JinjaExpression(Position);

/// <summary><c>obj.name</c>: attribute first, then item, as Jinja2's <c>getattr</c>.</summary>
internal sealed record AttributeExpression(JinjaSourcePosition Position, JinjaExpression Target, string Name) : JinjaExpression(Position);

/// <summary><c>obj[key]</c>: item first, then attribute, as Jinja2's <c>getitem</c>.</summary>
internal sealed record ItemExpression(JinjaSourcePosition Position, JinjaExpression Target, JinjaExpression Key) : JinjaExpression(Position);

/// <summary><c>start:stop:step</c> inside brackets; any part may be missing.</summary>
internal sealed record SliceExpression(JinjaSourcePosition Position, JinjaExpression? Start, JinjaExpression? Stop, JinjaExpression? Step) : JinjaExpression(Position);

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal sealed record JinjaArgumentList(IReadOnlyList<JinjaExpression> Positional, IReadOnlyList<(string Name, JinjaExpression Value)> Keywords)
{
    /// <summary>No arguments.</summary>
    public static JinjaArgumentList Empty { get; } = new([], []);
}

/// <summary><c>f(args)</c>.</summary>
internal sealed record CallExpression(JinjaSourcePosition Position, JinjaExpression Target, JinjaArgumentList Arguments) : JinjaExpression(Position);

/// <summary><c>value | name(args)</c>; <see cref="Target"/> is null in a filter block, where the body is the value.</summary>
internal sealed record FilterExpression(JinjaSourcePosition Position, JinjaExpression? Target, string Name, JinjaArgumentList Arguments) : JinjaExpression(Position);

/// <summary><c>value is [not] name(args)</c>.</summary>
internal sealed record TestExpression(JinjaSourcePosition Position, JinjaExpression Target, string Name, JinjaArgumentList Arguments, bool Negated) : JinjaExpression(Position);

/// <summary><c>not x</c>, <c>-x</c>, <c>+x</c>.</summary>
internal sealed record UnaryExpression(JinjaSourcePosition Position, string Operator, JinjaExpression Operand) : JinjaExpression(Position);

/// <summary><c>a op b</c> for <c>+ - * / // % ** and or</c>.</summary>
internal sealed record BinaryExpression(JinjaSourcePosition Position, string Operator, JinjaExpression Left, JinjaExpression Right) : JinjaExpression(Position);

/// <summary><c>a ~ b ~ c</c>: string concatenation of each operand's text.</summary>
internal sealed record ConcatExpression(JinjaSourcePosition Position, IReadOnlyList<JinjaExpression> Items) : JinjaExpression(Position);

/// <summary><c>a &lt; b == c</c>, <c>x in y</c>, <c>x not in y</c>: a chain of comparisons, each operand evaluated once.</summary>
internal sealed record CompareExpression(JinjaSourcePosition Position, JinjaExpression First, IReadOnlyList<(string Operator, JinjaExpression Operand)> Rest) : JinjaExpression(Position);

/// <summary><c>a if test else b</c>; without <c>else</c> the value is undefined when the test fails.</summary>
internal sealed record ConditionalExpression(JinjaSourcePosition Position, JinjaExpression Test, JinjaExpression Then, JinjaExpression? Else) : JinjaExpression(Position);
