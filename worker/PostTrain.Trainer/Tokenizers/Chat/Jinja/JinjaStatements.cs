namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>The statement syntax tree: each node knows where it starts, for error messages.</summary>
internal abstract record JinjaStatement(JinjaSourcePosition Position);

/// <summary>Template text written as is.</summary>
internal sealed record TextStatement(JinjaSourcePosition Position, string Text) : JinjaStatement(Position);

/// <summary><c>{{ expression }}</c>.</summary>
internal sealed record OutputStatement(JinjaSourcePosition Position, JinjaExpression Value) : JinjaStatement(Position);

/// <summary><c>{% if %}{% elif %}{% else %}{% endif %}</c>: the first branch whose test holds, else <see cref="Else"/>.</summary>
internal sealed record IfStatement(JinjaSourcePosition Position, IReadOnlyList<(JinjaExpression Test, IReadOnlyList<JinjaStatement> Body)> Branches, IReadOnlyList<JinjaStatement> Else) : JinjaStatement(Position);

/// <summary><c>{% for target in iterable [if filter] %}body{% else %}empty{% endfor %}</c>.</summary>
internal sealed record ForStatement(JinjaSourcePosition Position, JinjaExpression Target, JinjaExpression Iterable, JinjaExpression? Filter, IReadOnlyList<JinjaStatement> Body, IReadOnlyList<JinjaStatement> Else) : JinjaStatement(Position);

/// <summary><c>{% set target = value %}</c>; the target is a name, a tuple of names, or <c>namespace.attribute</c>.</summary>
internal sealed record SetStatement(JinjaSourcePosition Position, JinjaExpression Target, JinjaExpression Value) : JinjaStatement(Position);

/// <summary><c>{% set name [| filters] %}body{% endset %}</c>: the rendered body, filtered, assigned.</summary>
internal sealed record SetBlockStatement(JinjaSourcePosition Position, JinjaExpression Target, FilterExpression? Filter, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Position);

/// <summary>A macro parameter and its default.</summary>
internal sealed record JinjaParameter(string Name, JinjaExpression? Default);

/// <summary><c>{% macro name(params) %}body{% endmacro %}</c>; the Uses* flags say whether the body reads <c>varargs</c>, <c>kwargs</c> or <c>caller</c>.</summary>
internal sealed record MacroStatement(JinjaSourcePosition Position, string Name, IReadOnlyList<JinjaParameter> Parameters, IReadOnlyList<JinjaStatement> Body, bool UsesVarargs, bool UsesKwargs, bool UsesCaller) : JinjaStatement(Position);

/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>: the macro is called with <c>caller</c> rendering the body.</summary>
internal sealed record CallBlockStatement(JinjaSourcePosition Position, CallExpression Call, IReadOnlyList<JinjaParameter> CallerParameters, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Position);

/// <summary><c>{% filter name(args) %}body{% endfilter %}</c>: the rendered body passed through the filters.</summary>
internal sealed record FilterBlockStatement(JinjaSourcePosition Position, FilterExpression Filter, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Position);

/// <summary><c>{% with a = x, b = y %}body{% endwith %}</c>: the body in a scope holding the assignments.</summary>
internal sealed record WithStatement(JinjaSourcePosition Position, IReadOnlyList<(JinjaExpression Target, JinjaExpression Value)> Assignments, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Position);

/// <summary><c>{% break %}</c> or <c>{% continue %}</c> (Jinja2's loopcontrols extension, which transformers enables).</summary>
internal sealed record LoopControlStatement(JinjaSourcePosition Position, bool IsBreak) : JinjaStatement(Position);

/// <summary><c>{% generation %}body{% endgeneration %}</c> (transformers' AssistantTracker): the body is assistant output.</summary>
internal sealed record GenerationStatement(JinjaSourcePosition Position, IReadOnlyList<JinjaStatement> Body) : JinjaStatement(Position);
