// Over 500 lines on purpose: a recursive-descent parser is one grammar, a method per rule calling the next; its
// precedence ladder reads top to bottom only when the rules sit together.
namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// A recursive-descent parser with Jinja2's grammar and precedence (lowest first): conditional expression, <c>or</c>,
/// <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary
/// <c>- +</c>, then postfix (<c>.name</c>, <c>[...]</c>, calls) with filters and tests binding tightest. Statements it
/// does not support (<c>include</c>, <c>extends</c>, <c>block</c>, <c>import</c>, ...) and unknown filters and tests
/// fail here, naming the construct and its position, before anything renders.
/// </summary>
internal sealed class JinjaParser
{
    private static readonly HashSet<string> UnsupportedStatements = new(StringComparer.Ordinal)
    {
        "include", "extends", "block", "import", "from", "do", "autoescape", "trans", "pluralize", "debug",
    };

    private readonly List<JinjaToken> _tokens;
    private readonly Stack<HashSet<string>> _macroNames = new();
    private int _index;
    private int _loopDepth;

    private JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    private JinjaToken Current => _tokens[_index];

    /// <summary>Parses a normalised template source into its statements.</summary>
    /// <exception cref="JinjaSyntaxException">The source is not valid Jinja, or uses a construct outside the supported subset.</exception>
    public static IReadOnlyList<JinjaStatement> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var body = parser.ParseBody([]);
        if (parser.Current.Kind != JinjaTokenKind.End)
        {
            throw parser.Fail(parser.Current, $"unexpected {parser.Current.Describe()}");
        }

        return body;
    }

    private JinjaToken Next() => _tokens[_index++];

    private JinjaSyntaxException Fail(JinjaToken at, string message) => new(at.Position, at.Text, message);

    private JinjaToken Expect(JinjaTokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Fail(Current, $"expected {what}, found {Current.Describe()}");
        }

        return Next();
    }

    private void ExpectOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            throw Fail(Current, $"expected '{op}', found {Current.Describe()}");
        }

        _index++;
    }

    private void ExpectName(string name)
    {
        if (!Current.IsName(name))
        {
            throw Fail(Current, $"expected '{name}', found {Current.Describe()}");
        }

        _index++;
    }

    private bool SkipOperator(string op)
    {
        if (Current.IsOperator(op))
        {
            _index++;
            return true;
        }

        return false;
    }

    private bool SkipName(string name)
    {
        if (Current.IsName(name))
        {
            _index++;
            return true;
        }

        return false;
    }

    /// <summary>Statements up to a block tag whose first name is one of <paramref name="endTags"/> (left current, after its <c>{%</c>).</summary>
    private List<JinjaStatement> ParseBody(string[] endTags)
    {
        var body = new List<JinjaStatement>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case JinjaTokenKind.End:
                    if (endTags.Length > 0)
                    {
                        throw Fail(token, $"unexpected end of template: expected {string.Join(" or ", endTags.Select(t => $"'{{% {t} %}}'"))}");
                    }

                    return body;
                case JinjaTokenKind.Data:
                    _index++;
                    body.Add(new TextStatement(token.Position, token.Text));
                    break;
                case JinjaTokenKind.VariableBegin:
                    _index++;
                    body.Add(new OutputStatement(token.Position, ParseTuple(withConditional: true)));
                    Expect(JinjaTokenKind.VariableEnd, "'}}'");
                    break;
                case JinjaTokenKind.BlockBegin:
                    _index++;
                    if (Current.Kind == JinjaTokenKind.Name && endTags.Contains(Current.Text))
                    {
                        return body;
                    }

                    body.Add(ParseStatement());
                    Expect(JinjaTokenKind.BlockEnd, "'%}'");
                    break;
                default:
                    throw Fail(token, $"unexpected {token.Describe()}");
            }
        }
    }

    /// <summary>The body of a block statement: its <c>%}</c>, the statements, and the end tag's name (consumed when <paramref name="dropEnd"/>).</summary>
    private List<JinjaStatement> ParseBlockBody(string[] endTags, bool dropEnd)
    {
        Expect(JinjaTokenKind.BlockEnd, "'%}'");
        var body = ParseBody(endTags);
        if (dropEnd)
        {
            _index++;
        }

        return body;
    }

    private JinjaStatement ParseStatement()
    {
        var token = Expect(JinjaTokenKind.Name, "a statement name");
        switch (token.Text)
        {
            case "if":
                return ParseIf(token);
            case "for":
                return ParseFor(token);
            case "set":
                return ParseSet(token);
            case "macro":
                return ParseMacro(token);
            case "call":
                return ParseCallBlock(token);
            case "filter":
                var filter = ParseFilterChain(null, token.Position);
                return new FilterBlockStatement(token.Position, filter, ParseBlockBody(["endfilter"], dropEnd: true));
            case "with":
                return ParseWith(token);
            case "generation":
                return new GenerationStatement(token.Position, ParseBlockBody(["endgeneration"], dropEnd: true));
            case "break" or "continue":
                if (_loopDepth == 0)
                {
                    throw Fail(token, $"'{token.Text}' outside a for loop");
                }

                return new LoopControlStatement(token.Position, token.Text == "break");
            default:
                if (UnsupportedStatements.Contains(token.Text))
                {
                    throw Fail(token, $"the '{token.Text}' statement is not supported by this renderer (chat templates render on their own, without other templates or extensions)");
                }

                throw Fail(token, $"unknown statement '{token.Text}'");
        }
    }

    private IfStatement ParseIf(JinjaToken token)
    {
        var branches = new List<(JinjaExpression, IReadOnlyList<JinjaStatement>)>();
        var test = ParseTuple(withConditional: false);
        while (true)
        {
            var body = ParseBlockBody(["elif", "else", "endif"], dropEnd: false);
            branches.Add((test, body));
            var end = Next();
            if (end.Text == "elif")
            {
                test = ParseTuple(withConditional: false);
                continue;
            }

            var orElse = end.Text == "else" ? ParseBlockBody(["endif"], dropEnd: true) : [];
            return new IfStatement(token.Position, branches, orElse);
        }
    }

    private ForStatement ParseFor(JinjaToken token)
    {
        var target = ParseAssignTarget(allowAttribute: false);
        ExpectName("in");
        var iterable = ParseTuple(withConditional: false, extraEnd: "recursive");
        JinjaExpression? filter = null;
        if (SkipName("if"))
        {
            filter = ParseExpression(withConditional: true);
        }

        if (Current.IsName("recursive"))
        {
            throw Fail(Current, "recursive for loops are not supported by this renderer");
        }

        _loopDepth++;
        var body = ParseBlockBody(["endfor", "else"], dropEnd: false);
        _loopDepth--;
        var orElse = Next().Text == "else" ? ParseBlockBody(["endfor"], dropEnd: true) : [];
        return new ForStatement(token.Position, target, iterable, filter, body, orElse);
    }

    private JinjaStatement ParseSet(JinjaToken token)
    {
        var target = ParseAssignTarget(allowAttribute: true);
        if (SkipOperator("="))
        {
            return new SetStatement(token.Position, target, ParseTuple(withConditional: true));
        }

        if (target is not NameExpression)
        {
            throw Fail(Current, "a block set ('{% set x %}...{% endset %}') assigns to one name");
        }

        var filter = Current.IsOperator("|") ? ParseFilterChain(null, Current.Position) : null;
        return new SetBlockStatement(token.Position, target, filter, ParseBlockBody(["endset"], dropEnd: true));
    }

    private MacroStatement ParseMacro(JinjaToken token)
    {
        var name = Expect(JinjaTokenKind.Name, "a macro name").Text;
        var parameters = ParseSignature();
        _macroNames.Push(new HashSet<string>(StringComparer.Ordinal));
        var loopDepth = _loopDepth;
        _loopDepth = 0;
        var body = ParseBlockBody(["endmacro"], dropEnd: true);
        _loopDepth = loopDepth;
        var used = _macroNames.Pop();
        return new MacroStatement(token.Position, name, parameters, body, used.Contains("varargs"), used.Contains("kwargs"), used.Contains("caller"));
    }

    private CallBlockStatement ParseCallBlock(JinjaToken token)
    {
        var callerParameters = Current.IsOperator("(") ? ParseSignature() : [];
        var call = ParseExpression(withConditional: true) as CallExpression
            ?? throw Fail(token, "a call block needs a macro call: '{% call macro(...) %}'");
        _macroNames.Push(new HashSet<string>(StringComparer.Ordinal));
        var body = ParseBlockBody(["endcall"], dropEnd: true);
        _macroNames.Pop();
        return new CallBlockStatement(token.Position, call, callerParameters, body);
    }

    private WithStatement ParseWith(JinjaToken token)
    {
        var assignments = new List<(JinjaExpression, JinjaExpression)>();
        while (Current.Kind != JinjaTokenKind.BlockEnd)
        {
            if (assignments.Count > 0)
            {
                ExpectOperator(",");
            }

            var target = ParseAssignTarget(allowAttribute: false);
            ExpectOperator("=");
            assignments.Add((target, ParseExpression(withConditional: true)));
        }

        return new WithStatement(token.Position, assignments, ParseBlockBody(["endwith"], dropEnd: true));
    }

    private List<JinjaParameter> ParseSignature()
    {
        var parameters = new List<JinjaParameter>();
        ExpectOperator("(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }

            var name = Expect(JinjaTokenKind.Name, "a parameter name").Text;
            var defaultValue = SkipOperator("=") ? ParseExpression(withConditional: true) : null;
            parameters.Add(new JinjaParameter(name, defaultValue));
        }

        _index++;
        return parameters;
    }

    /// <summary>A name, <c>a, b</c> (or parenthesised), or with <paramref name="allowAttribute"/> <c>ns.attr</c>.</summary>
    private JinjaExpression ParseAssignTarget(bool allowAttribute)
    {
        var start = Current;
        if (allowAttribute && Current.Kind == JinjaTokenKind.Name && _tokens[_index + 1].IsOperator("."))
        {
            var ns = Next();
            _index++;
            var attribute = Expect(JinjaTokenKind.Name, "an attribute name");
            return new AttributeExpression(ns.Position, new NameExpression(ns.Position, ns.Text), attribute.Text);
        }

        var parenthesised = SkipOperator("(");
        var names = new List<JinjaExpression>();
        var sawComma = false;
        while (true)
        {
            var name = Expect(JinjaTokenKind.Name, "a variable name");
            if (name.Text is "true" or "false" or "none" or "True" or "False" or "None" or "in" or "not" or "and" or "or" or "is" or "if" or "else")
            {
                throw Fail(name, $"cannot assign to '{name.Text}'");
            }

            names.Add(new NameExpression(name.Position, name.Text));
            if (!SkipOperator(","))
            {
                break;
            }

            sawComma = true;
            if (Current.Kind != JinjaTokenKind.Name || Current.IsName("in"))
            {
                break;
            }
        }

        if (parenthesised)
        {
            ExpectOperator(")");
        }

        return names.Count == 1 && !sawComma ? names[0] : new TupleExpression(start.Position, names);
    }

    /// <summary>Jinja2's parse_tuple: one expression, or several separated by commas making a tuple.</summary>
    private JinjaExpression ParseTuple(bool withConditional, string? extraEnd = null, bool explicitParentheses = false)
    {
        var start = Current.Position;
        var items = new List<JinjaExpression>();
        var sawComma = false;
        while (true)
        {
            if (items.Count > 0)
            {
                ExpectOperator(",");
                sawComma = true;
            }

            if (IsTupleEnd(extraEnd))
            {
                break;
            }

            items.Add(ParseExpression(withConditional));
            if (!Current.IsOperator(","))
            {
                break;
            }
        }

        if (!sawComma)
        {
            if (items.Count == 1)
            {
                return items[0];
            }

            if (!explicitParentheses)
            {
                throw Fail(Current, $"expected an expression, found {Current.Describe()}");
            }
        }

        return new TupleExpression(start, items);
    }

    private bool IsTupleEnd(string? extraEnd) =>
        Current.Kind is JinjaTokenKind.VariableEnd or JinjaTokenKind.BlockEnd or JinjaTokenKind.End
        || Current.IsOperator(")") || Current.IsOperator("=")
        || (extraEnd is not null && Current.IsName(extraEnd));

    private JinjaExpression ParseExpression(bool withConditional)
    {
        var start = Current.Position;
        var expression = ParseOr();
        if (!withConditional)
        {
            return expression;
        }

        while (SkipName("if"))
        {
            var test = ParseOr();
            var orElse = SkipName("else") ? ParseExpression(withConditional: true) : null;
            expression = new ConditionalExpression(start, test, expression, orElse);
        }

        return expression;
    }

    private JinjaExpression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var op = Next();
            left = new BinaryExpression(op.Position, "or", left, ParseAnd());
        }

        return left;
    }

    private JinjaExpression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var op = Next();
            left = new BinaryExpression(op.Position, "and", left, ParseNot());
        }

        return left;
    }

    private JinjaExpression ParseNot()
    {
        if (Current.IsName("not"))
        {
            var op = Next();
            return new UnaryExpression(op.Position, "not", ParseNot());
        }

        return ParseCompare();
    }

    private JinjaExpression ParseCompare()
    {
        var start = Current.Position;
        var first = ParseMath1();
        var rest = new List<(string, JinjaExpression)>();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && Current.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                var op = Next().Text;
                rest.Add((op, ParseMath1()));
            }
            else if (Current.IsName("in"))
            {
                _index++;
                rest.Add(("in", ParseMath1()));
            }
            else if (Current.IsName("not") && _tokens[_index + 1].IsName("in"))
            {
                _index += 2;
                rest.Add(("not in", ParseMath1()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpression(start, first, rest);
    }

    private JinjaExpression ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Text is "+" or "-")
        {
            var op = Next();
            left = new BinaryExpression(op.Position, op.Text, left, ParseConcat());
        }

        return left;
    }

    private JinjaExpression ParseConcat()
    {
        var start = Current.Position;
        var items = new List<JinjaExpression> { ParseMath2() };
        while (SkipOperator("~"))
        {
            items.Add(ParseMath2());
        }

        return items.Count == 1 ? items[0] : new ConcatExpression(start, items);
    }

    private JinjaExpression ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpression(op.Position, op.Text, left, ParsePow());
        }

        return left;
    }

    private JinjaExpression ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpression(op.Position, "**", left, ParseUnary(withFilter: true));
        }

        return left;
    }

    private JinjaExpression ParseUnary(bool withFilter)
    {
        JinjaExpression node;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Next();
            node = new UnaryExpression(op.Position, op.Text, ParseUnary(withFilter: false));
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilter ? ParseFilterAndTests(node) : node;
    }

    private JinjaExpression ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case JinjaTokenKind.Name:
                _index++;
                switch (token.Text)
                {
                    case "true" or "True":
                        return new ConstantExpression(token.Position, true);
                    case "false" or "False":
                        return new ConstantExpression(token.Position, false);
                    case "none" or "None":
                        return new ConstantExpression(token.Position, null);
                    default:
                        foreach (var names in _macroNames)
                        {
                            names.Add(token.Text);
                        }

                        return new NameExpression(token.Position, token.Text);
                }

            case JinjaTokenKind.String:
                _index++;
                var text = token.Text;
                while (Current.Kind == JinjaTokenKind.String)
                {
                    text += Next().Text;
                }

                return new ConstantExpression(token.Position, text);
            case JinjaTokenKind.Integer or JinjaTokenKind.Float:
                _index++;
                return new ConstantExpression(token.Position, token.Value);
            case JinjaTokenKind.Operator when token.Text == "(":
                _index++;
                var inner = ParseTuple(withConditional: true, explicitParentheses: true);
                ExpectOperator(")");
                return inner;
            case JinjaTokenKind.Operator when token.Text == "[":
                _index++;
                var items = new List<JinjaExpression>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0)
                    {
                        ExpectOperator(",");
                        if (Current.IsOperator("]"))
                        {
                            break;
                        }
                    }

                    items.Add(ParseExpression(withConditional: true));
                }

                _index++;
                return new ListExpression(token.Position, items);
            case JinjaTokenKind.Operator when token.Text == "{":
                _index++;
                var pairs = new List<(JinjaExpression, JinjaExpression)>();
                while (!Current.IsOperator("}"))
                {
                    if (pairs.Count > 0)
                    {
                        ExpectOperator(",");
                        if (Current.IsOperator("}"))
                        {
                            break;
                        }
                    }

                    var key = ParseExpression(withConditional: true);
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression(withConditional: true)));
                }

                _index++;
                return new DictExpression(token.Position, pairs);
            default:
                throw Fail(token, $"unexpected {token.Describe()}");
        }
    }

    private JinjaExpression ParsePostfix(JinjaExpression node)
    {
        while (true)
        {
            if (Current.IsOperator("."))
            {
                var dot = Next();
                if (Current.Kind == JinjaTokenKind.Name)
                {
                    node = new AttributeExpression(dot.Position, node, Next().Text);
                }
                else if (Current.Kind == JinjaTokenKind.Integer)
                {
                    var index = Next();
                    node = new ItemExpression(dot.Position, node, new ConstantExpression(index.Position, index.Value));
                }
                else
                {
                    throw Fail(Current, $"expected an attribute name after '.', found {Current.Describe()}");
                }
            }
            else if (Current.IsOperator("["))
            {
                var bracket = Next();
                var subscripts = new List<JinjaExpression>();
                while (!Current.IsOperator("]"))
                {
                    if (subscripts.Count > 0)
                    {
                        ExpectOperator(",");
                        if (Current.IsOperator("]"))
                        {
                            break;
                        }
                    }

                    subscripts.Add(ParseSubscript());
                }

                _index++;
                if (subscripts.Count == 0)
                {
                    throw Fail(bracket, "expected a subscript inside '[]'");
                }

                var key = subscripts.Count == 1 ? subscripts[0] : new TupleExpression(bracket.Position, subscripts);
                node = new ItemExpression(bracket.Position, node, key);
            }
            else if (Current.IsOperator("("))
            {
                node = new CallExpression(Current.Position, node, ParseCallArguments());
            }
            else
            {
                return node;
            }
        }
    }

    private JinjaExpression ParseSubscript()
    {
        var start = Current.Position;
        JinjaExpression? first = null;
        if (!Current.IsOperator(":"))
        {
            first = ParseExpression(withConditional: true);
            if (!Current.IsOperator(":"))
            {
                return first;
            }
        }

        _index++;
        JinjaExpression? stop = null;
        JinjaExpression? step = null;
        if (!Current.IsOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(","))
        {
            stop = ParseExpression(withConditional: true);
        }

        if (SkipOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(","))
        {
            step = ParseExpression(withConditional: true);
        }

        return new SliceExpression(start, first, stop, step);
    }

    private JinjaArgumentList ParseCallArguments()
    {
        ExpectOperator("(");
        var positional = new List<JinjaExpression>();
        var keywords = new List<(string, JinjaExpression)>();
        while (!Current.IsOperator(")"))
        {
            if (positional.Count + keywords.Count > 0)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }

            if (Current.IsOperator("*") || Current.IsOperator("**"))
            {
                throw Fail(Current, $"'{Current.Text}' argument unpacking is not supported by this renderer");
            }

            if (Current.Kind == JinjaTokenKind.Name && _tokens[_index + 1].IsOperator("="))
            {
                var name = Next().Text;
                _index++;
                keywords.Add((name, ParseExpression(withConditional: true)));
            }
            else
            {
                if (keywords.Count > 0)
                {
                    throw Fail(Current, "a positional argument follows a keyword argument");
                }

                positional.Add(ParseExpression(withConditional: true));
            }
        }

        _index++;
        return new JinjaArgumentList(positional, keywords);
    }

    private JinjaExpression ParseFilterAndTests(JinjaExpression node)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                node = ParseFilterChain(node, Current.Position);
            }
            else if (Current.IsName("is"))
            {
                node = ParseTest(node);
            }
            else if (Current.IsOperator("("))
            {
                node = new CallExpression(Current.Position, node, ParseCallArguments());
            }
            else
            {
                return node;
            }
        }
    }

    /// <summary><c>| a(args) | b</c> after <paramref name="target"/>; in a filter block (<paramref name="target"/> null) the first name comes without a pipe.</summary>
    private FilterExpression ParseFilterChain(JinjaExpression? target, JinjaSourcePosition start)
    {
        FilterExpression? node = null;
        var first = true;
        while (Current.IsOperator("|") || (first && target is null && Current.Kind == JinjaTokenKind.Name))
        {
            SkipOperator("|");
            var name = Expect(JinjaTokenKind.Name, "a filter name");
            if (!JinjaBuiltinFilters.IsKnown(name.Text))
            {
                throw Fail(name, JinjaBuiltinFilters.IsUnsupportedJinjaFilter(name.Text)
                    ? $"the filter '{name.Text}' is not supported by this renderer"
                    : $"unknown filter '{name.Text}'");
            }

            var arguments = Current.IsOperator("(") ? ParseCallArguments() : JinjaArgumentList.Empty;
            node = new FilterExpression(name.Position, (JinjaExpression?)node ?? target, name.Text, arguments);
            first = false;
        }

        return node ?? throw new JinjaSyntaxException(start, "|", "expected a filter name");
    }

    private JinjaExpression ParseTest(JinjaExpression target)
    {
        var isToken = Next();
        var negated = SkipName("not");
        var name = Expect(JinjaTokenKind.Name, "a test name");
        if (!JinjaBuiltinTests.IsKnown(name.Text))
        {
            throw Fail(name, $"unknown test '{name.Text}'");
        }

        JinjaArgumentList arguments;
        if (Current.IsOperator("("))
        {
            arguments = ParseCallArguments();
        }
        else if ((Current.Kind is JinjaTokenKind.Name or JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
                  || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
        {
            if (Current.IsName("is"))
            {
                throw Fail(Current, "tests cannot be chained with 'is'");
            }

            arguments = new JinjaArgumentList([ParsePostfix(ParsePrimary())], []);
        }
        else
        {
            arguments = JinjaArgumentList.Empty;
        }

        return new TestExpression(isToken.Position, target, name.Text, arguments, negated);
    }
}
