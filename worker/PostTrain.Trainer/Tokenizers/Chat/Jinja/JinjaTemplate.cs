namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// A Jinja template parsed once and rendered any number of times, as Hugging Face's transformers renders chat templates:
/// Jinja2's <c>ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)</c> with the loopcontrols extension,
/// <c>tojson</c> as <c>json.dumps(ensure_ascii=False)</c>, <c>raise_exception</c> and <c>strftime_now</c>. The supported
/// subset is listed in docs/tokenizers.md; anything outside it fails in <see cref="Parse"/>, naming the construct and its
/// position, and is never skipped.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<JinjaStatement> _body;

    private JinjaTemplate(string source, IReadOnlyList<JinjaStatement> body)
    {
        Source = source;
        _body = body;
        UsesGeneration = ContainsGeneration(body);
    }

    /// <summary>The template's source as given.</summary>
    public string Source { get; }

    /// <summary>Whether the template marks assistant output with <c>{% generation %}</c> blocks.</summary>
    public bool UsesGeneration { get; }

    /// <summary>Parses a template.</summary>
    /// <exception cref="JinjaSyntaxException">Invalid Jinja, or a construct outside the supported subset; the message starts with <c>line:column</c>.</exception>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(source, JinjaParser.Parse(JinjaLexer.Normalize(source)));
    }

    /// <summary>
    /// Renders with <paramref name="variables"/> (values as <see cref="JinjaValues.From"/> accepts them: strings,
    /// numbers, booleans, null, lists, dictionaries, JSON). <c>strftime_now</c> reads <paramref name="clock"/> (the
    /// system clock when null).
    /// </summary>
    /// <exception cref="JinjaRenderException">Rendering failed where Jinja2 fails, or the template raised an exception.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables, TimeProvider? clock = null) =>
        RenderTracked(variables, TextProvenance.Off, clock).Text;

    /// <summary>Renders, following the text that <paramref name="provenance"/> tracks into the output.</summary>
    internal JinjaRendering RenderTracked(IReadOnlyDictionary<string, object?> variables, TextProvenance provenance, TimeProvider? clock)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var values = variables.ToDictionary(p => p.Key, p => JinjaValues.From(p.Value), StringComparer.Ordinal);
        return JinjaInterpreter.Run(_body, values, new JinjaRuntime(clock ?? TimeProvider.System, provenance));
    }

    private static bool ContainsGeneration(IEnumerable<JinjaStatement> body) => body.Any(statement => statement switch
    {
        GenerationStatement => true,
        IfStatement i => i.Branches.Any(b => ContainsGeneration(b.Body)) || ContainsGeneration(i.Else),
        ForStatement f => ContainsGeneration(f.Body) || ContainsGeneration(f.Else),
        SetBlockStatement s => ContainsGeneration(s.Body),
        MacroStatement m => ContainsGeneration(m.Body),
        CallBlockStatement c => ContainsGeneration(c.Body),
        FilterBlockStatement f => ContainsGeneration(f.Body),
        WithStatement w => ContainsGeneration(w.Body),
        _ => false,
    });
}
