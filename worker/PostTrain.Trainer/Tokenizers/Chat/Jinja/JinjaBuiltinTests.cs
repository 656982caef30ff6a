namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Jinja2's built-in tests, all of them (<c>value is defined</c>, <c>is string</c>, <c>is divisibleby(3)</c>, ...) with Jinja2's
/// semantics: <c>number</c> counts booleans, <c>integer</c> does not; undefined is iterable and a sequence, as Jinja2's
/// Undefined is. Tests not listed in <see cref="IsKnown"/> fail when the template is parsed.
/// </summary>
internal static class JinjaBuiltinTests
{
    private static readonly Dictionary<string, Func<JinjaRuntime, object?, JinjaArguments, bool>> Tests = new(StringComparer.Ordinal)
    {
        ["boolean"] = (_, v, a) => v is bool,
        ["callable"] = (_, v, a) => v is JinjaFunction or JinjaUndefined,
        ["defined"] = (_, v, a) => v is not JinjaUndefined,
        ["divisibleby"] = (rt, v, a) => PythonValues.Equals(PythonOperators.Binary(rt, "%", v, a.Expect("divisibleby", "num").Require("divisibleby", 0, "num")), 0L),
        ["eq"] = Compare("=="),
        ["equalto"] = Compare("=="),
        ["=="] = Compare("=="),
        ["escaped"] = (_, v, a) => false,
        ["even"] = (rt, v, a) => PythonValues.Equals(PythonOperators.Binary(rt, "%", v, 2L), 0L),
        ["false"] = (_, v, a) => v is false,
        ["filter"] = (_, v, a) => v is string s && JinjaBuiltinFilters.IsKnown(s),
        ["float"] = (_, v, a) => v is double,
        ["ge"] = Compare(">="),
        [">="] = Compare(">="),
        ["gt"] = Compare(">"),
        ["greaterthan"] = Compare(">"),
        [">"] = Compare(">"),
        ["in"] = (_, v, a) => PythonOperators.Contains(a.Expect("in", "seq").Require("in", 0, "seq"), v),
        ["integer"] = (_, v, a) => v is long,
        ["iterable"] = (_, v, a) => v is string or IReadOnlyList<object?> or OrderedDictionary<object, object?> or JinjaUndefined,
        ["le"] = Compare("<="),
        ["<="] = Compare("<="),
        ["lower"] = (_, v, a) => PythonStrings.Is(PythonFormatting.Str(v), "islower"),
        ["lt"] = Compare("<"),
        ["lessthan"] = Compare("<"),
        ["<"] = Compare("<"),
        ["mapping"] = (_, v, a) => v is OrderedDictionary<object, object?>,
        ["ne"] = Compare("!="),
        ["!="] = Compare("!="),
        ["none"] = (_, v, a) => v is null,
        ["number"] = (_, v, a) => PythonValues.IsNumber(v),
        ["odd"] = (rt, v, a) => PythonValues.Equals(PythonOperators.Binary(rt, "%", v, 2L), 1L),
        ["sameas"] = (_, v, a) => SameAs(v, a.Expect("sameas", "other").Require("sameas", 0, "other")),
        ["sequence"] = (_, v, a) => v is string or IReadOnlyList<object?> or OrderedDictionary<object, object?> or JinjaUndefined,
        ["string"] = (_, v, a) => v is string,
        ["test"] = (_, v, a) => v is string s && IsKnown(s),
        ["true"] = (_, v, a) => v is true,
        ["undefined"] = (_, v, a) => v is JinjaUndefined,
        ["upper"] = (_, v, a) => PythonStrings.Is(PythonFormatting.Str(v), "isupper"),
    };

    /// <summary>Whether the test is implemented.</summary>
    public static bool IsKnown(string name) => Tests.ContainsKey(name);

    /// <summary>Applies test <paramref name="name"/> to <paramref name="value"/>.</summary>
    public static bool Apply(JinjaRuntime runtime, string name, object? value, JinjaArguments arguments) =>
        Tests.TryGetValue(name, out var test) ? test(runtime, value, arguments) : throw new JinjaRuntimeError($"unknown test '{name}'");

    private static Func<JinjaRuntime, object?, JinjaArguments, bool> Compare(string op) =>
        (_, v, a) => PythonOperators.Compare(op, v, a.Expect(op, "other").Require(op, 0, "other"));

    /// <summary>Python's <c>is</c>: identity, which for None, booleans and small values means the same value of the same type.</summary>
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        (string x, string y) => ReferenceEquals(x, y) || (x.Length <= 1 && x == y),
        _ => ReferenceEquals(a, b),
    };
}
