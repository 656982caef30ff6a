namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Runs a parsed template: statements write to a <see cref="JinjaOutput"/>, expressions evaluate to Python-like
/// values (<see cref="PythonValues"/>). A failure inside an expression or statement becomes a
/// <see cref="JinjaRenderException"/> naming the innermost construct that failed and its position.
/// </summary>
internal sealed class JinjaInterpreter
{
    private readonly JinjaRuntime _runtime;
    private readonly JinjaOutput _output;

    private JinjaInterpreter(JinjaRuntime runtime)
    {
        _runtime = runtime;
        _output = new JinjaOutput(runtime.Provenance);
    }

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    /// <summary>Renders <paramref name="body"/> with <paramref name="variables"/> over the globals.</summary>
    public static JinjaRendering Run(IReadOnlyList<JinjaStatement> body, IReadOnlyDictionary<string, object?> variables, JinjaRuntime runtime)
    {
        var globals = new JinjaScope(null);
        foreach (var (name, value) in JinjaGlobals.All)
        {
            globals.Set(name, value);
        }

        var context = new JinjaScope(globals);
        foreach (var (name, value) in variables)
        {
            context.Set(name, value);
        }

        var interpreter = new JinjaInterpreter(runtime);
        interpreter.Execute(body, new JinjaScope(context));
        var (text, pieces) = interpreter._output.Finish();
        return new JinjaRendering(text, pieces, interpreter._output.GenerationSpans);
    }

    private Flow Execute(IReadOnlyList<JinjaStatement> body, JinjaScope scope)
    {
        foreach (var statement in body)
        {
            var flow = Execute(statement, scope);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow Execute(JinjaStatement statement, JinjaScope scope)
    {
        try
        {
            return ExecuteCore(statement, scope);
        }
        catch (JinjaRuntimeError error)
        {
            throw new JinjaRenderException(statement.Position, Describe(statement), error.Message, error.RaisedByTemplate);
        }
    }

    private Flow ExecuteCore(JinjaStatement statement, JinjaScope scope)
    {
        switch (statement)
        {
            case TextStatement text:
                _output.Write(text.Text);
                return Flow.Normal;
            case OutputStatement output:
                _output.Write(PythonFormatting.Str(Evaluate(output.Value, scope)));
                return Flow.Normal;
            case IfStatement conditional:
                foreach (var (test, body) in conditional.Branches)
                {
                    if (PythonValues.IsTruthy(Evaluate(test, scope)))
                    {
                        return Execute(body, scope);
                    }
                }

                return Execute(conditional.Else, scope);
            case ForStatement loop:
                return ExecuteFor(loop, scope);
            case SetStatement set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStatement setBlock:
                _output.BeginCapture();
                Execute(setBlock.Body, scope);
                var captured = _output.EndCapture();
                Assign(setBlock.Target, setBlock.Filter is null ? captured : EvaluateFilter(setBlock.Filter, scope, captured), scope);
                return Flow.Normal;
            case MacroStatement macro:
                scope.Set(macro.Name, Macro(macro.Name, macro.Parameters, macro.Body, scope, macro.UsesVarargs, macro.UsesKwargs));
                return Flow.Normal;
            case CallBlockStatement callBlock:
                var callee = Evaluate(callBlock.Call.Target, scope);
                var arguments = EvaluateArguments(callBlock.Call.Arguments, scope);
                var caller = Macro("caller", callBlock.CallerParameters, callBlock.Body, scope, usesVarargs: false, usesKwargs: false);
                var result = Call(callee, new JinjaArguments(arguments.Positional, [.. arguments.Keywords, new("caller", caller)]));
                _output.Write(PythonFormatting.Str(result));
                return Flow.Normal;
            case FilterBlockStatement filterBlock:
                _output.BeginCapture();
                Execute(filterBlock.Body, scope);
                _output.Write(PythonFormatting.Str(EvaluateFilter(filterBlock.Filter, scope, _output.EndCapture())));
                return Flow.Normal;
            case WithStatement with:
                var inner = new JinjaScope(scope);
                foreach (var (target, value) in with.Assignments)
                {
                    Assign(target, Evaluate(value, scope), inner);
                }

                return Execute(with.Body, inner);
            case LoopControlStatement control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            case GenerationStatement generation:
                var start = _output.Length;
                var flow = Execute(generation.Body, scope);
                _output.AddGenerationSpan(start, _output.Length);
                return flow;
            default:
                throw new JinjaRuntimeError($"unknown statement {statement.GetType().Name}");
        }
    }

    private Flow ExecuteFor(ForStatement loop, JinjaScope scope)
    {
        var items = JinjaIteration.Items(_runtime, Evaluate(loop.Iterable, scope));
        if (loop.Filter is not null)
        {
            items = [.. items.Where(item =>
            {
                var filterScope = new JinjaScope(scope);
                Assign(loop.Target, item, filterScope);
                return PythonValues.IsTruthy(Evaluate(loop.Filter, filterScope));
            })];
        }

        if (items.Count == 0)
        {
            return Execute(loop.Else, scope);
        }

        var context = new JinjaLoop(items);
        for (var i = 0; i < items.Count; i++)
        {
            var iteration = new JinjaScope(scope);
            Assign(loop.Target, items[i], iteration);
            context.Index0 = i;
            iteration.Set("loop", context);
            if (Execute(loop.Body, iteration) == Flow.Break)
            {
                break;
            }
        }

        return Flow.Normal;
    }

    private void Assign(JinjaExpression target, object? value, JinjaScope scope)
    {
        switch (target)
        {
            case NameExpression name:
                scope.Set(name.Name, value);
                break;
            case TupleExpression tuple:
                var items = JinjaIteration.Items(_runtime, value);
                if (items.Count != tuple.Items.Count)
                {
                    throw new JinjaRuntimeError(items.Count > tuple.Items.Count
                        ? $"too many values to unpack (expected {tuple.Items.Count})"
                        : $"not enough values to unpack (expected {tuple.Items.Count}, got {items.Count})");
                }

                for (var i = 0; i < items.Count; i++)
                {
                    Assign(tuple.Items[i], items[i], scope);
                }

                break;
            case AttributeExpression { Target: NameExpression owner } attribute:
                if (!scope.TryGet(owner.Name, out var ns) || ns is not JinjaNamespace space)
                {
                    throw new JinjaRuntimeError($"cannot assign attribute on non-namespace object ('{owner.Name}' is {(ns is null ? "undefined or None" : PythonValues.TypeName(ns))})");
                }

                space.Attributes[attribute.Name] = value;
                break;
            default:
                throw new JinjaRuntimeError("cannot assign to this expression");
        }
    }

    private JinjaFunction Macro(string name, IReadOnlyList<JinjaParameter> parameters, IReadOnlyList<JinjaStatement> body, JinjaScope closure, bool usesVarargs, bool usesKwargs) =>
        new(name, "Macro", (_, arguments) =>
        {
            var scope = new JinjaScope(closure);
            var keywords = arguments.Keywords.ToList();
            for (var i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                var keyword = keywords.FindIndex(k => k.Key == parameter.Name);
                if (i < arguments.Positional.Count)
                {
                    if (keyword >= 0)
                    {
                        throw new JinjaRuntimeError($"macro '{name}' got multiple values for argument '{parameter.Name}'");
                    }

                    scope.Set(parameter.Name, arguments.Positional[i]);
                }
                else if (keyword >= 0)
                {
                    scope.Set(parameter.Name, keywords[keyword].Value);
                    keywords.RemoveAt(keyword);
                }
                else
                {
                    scope.Set(parameter.Name, parameter.Default is null ? new JinjaUndefined($"parameter '{parameter.Name}' was not provided") : Evaluate(parameter.Default, scope));
                }
            }

            var extra = arguments.Positional.Skip(parameters.Count).ToArray();
            if (extra.Length > 0 && !usesVarargs)
            {
                throw new JinjaRuntimeError($"macro '{name}' takes not more than {parameters.Count} argument(s)");
            }

            scope.Set("varargs", new JinjaTuple(extra));
            var callerIndex = keywords.FindIndex(k => k.Key == "caller");
            if (callerIndex >= 0)
            {
                scope.Set("caller", keywords[callerIndex].Value);
                keywords.RemoveAt(callerIndex);
            }

            if (keywords.Count > 0 && !usesKwargs)
            {
                throw new JinjaRuntimeError($"macro '{name}' takes no keyword argument '{keywords[0].Key}'");
            }

            var kwargs = PythonValues.NewDict();
            foreach (var (key, value) in keywords)
            {
                kwargs[key] = value;
            }

            scope.Set("kwargs", kwargs);
            _output.BeginCapture();
            Execute(body, scope);
            return _output.EndCapture();
        });

    private object? Call(object? callee, JinjaArguments arguments) => callee switch
    {
        JinjaFunction function => function.Invoke(_runtime, arguments),
        JinjaUndefined undefined => throw new JinjaRuntimeError(undefined.Hint),
        _ => throw new JinjaRuntimeError($"'{PythonValues.TypeName(callee)}' object is not callable"),
    };

    private JinjaArguments EvaluateArguments(JinjaArgumentList arguments, JinjaScope scope) => new(
        [.. arguments.Positional.Select(a => Evaluate(a, scope))],
        [.. arguments.Keywords.Select(k => new KeyValuePair<string, object?>(k.Name, Evaluate(k.Value, scope)))]);

    private object? Evaluate(JinjaExpression expression, JinjaScope scope)
    {
        try
        {
            return EvaluateCore(expression, scope);
        }
        catch (JinjaRuntimeError error)
        {
            throw new JinjaRenderException(expression.Position, Describe(expression), error.Message, error.RaisedByTemplate);
        }
    }

    private object? EvaluateFilter(FilterExpression filter, JinjaScope scope, object? blockInput)
    {
        try
        {
            var value = filter.Target switch
            {
                null => blockInput,
                FilterExpression inner when blockInput is not null => EvaluateFilter(inner, scope, blockInput),
                var target => Evaluate(target, scope),
            };
            return JinjaBuiltinFilters.Apply(_runtime, filter.Name, value, EvaluateArguments(filter.Arguments, scope));
        }
        catch (JinjaRuntimeError error)
        {
            throw new JinjaRenderException(filter.Position, Describe(filter), error.Message, error.RaisedByTemplate);
        }
    }

    private object? EvaluateCore(JinjaExpression expression, JinjaScope scope)
    {
        switch (expression)
        {
            case ConstantExpression constant:
                return constant.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out var value) ? value : JinjaUndefined.Variable(name.Name);
            case ListExpression list:
                return new List<object?>(list.Items.Select(i => Evaluate(i, scope)));
            case TupleExpression tuple:
                return new JinjaTuple([.. tuple.Items.Select(i => Evaluate(i, scope))]);
            case DictExpression dict:
                var result = PythonValues.NewDict();
                foreach (var (key, item) in dict.Pairs)
                {
                    var k = Evaluate(key, scope);
                    PythonValues.Hash(k);
                    result[PythonValues.Key(k)] = Evaluate(item, scope);
                }

                return result;
            case AttributeExpression attribute:
                return JinjaMembers.GetAttribute(_runtime, Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpression item:
                var target = Evaluate(item.Target, scope);
                var index = item.Key is SliceExpression slice
                    ? new PythonSlice(Optional(slice.Start, scope), Optional(slice.Stop, scope), Optional(slice.Step, scope))
                    : Evaluate(item.Key, scope);
                return JinjaMembers.GetItem(_runtime, target, index);
            case CallExpression call:
                var callee = Evaluate(call.Target, scope);
                return Call(callee, EvaluateArguments(call.Arguments, scope));
            case FilterExpression filter:
                return EvaluateFilter(filter, scope, null);
            case TestExpression test:
                var tested = Evaluate(test.Target, scope);
                var holds = JinjaBuiltinTests.Apply(_runtime, test.Name, tested, EvaluateArguments(test.Arguments, scope));
                return holds != test.Negated;
            case UnaryExpression unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !PythonValues.IsTruthy(operand),
                    "-" => PythonOperators.Negate(operand),
                    _ => PythonOperators.Plus(operand),
                };
            case BinaryExpression { Operator: "and" } and:
                var left = Evaluate(and.Left, scope);
                return PythonValues.IsTruthy(left) ? Evaluate(and.Right, scope) : left;
            case BinaryExpression { Operator: "or" } or:
                var first = Evaluate(or.Left, scope);
                return PythonValues.IsTruthy(first) ? first : Evaluate(or.Right, scope);
            case BinaryExpression binary:
                var a = Evaluate(binary.Left, scope);
                var b = Evaluate(binary.Right, scope);
                return PythonOperators.Binary(_runtime, binary.Operator, a, b);
            case ConcatExpression concat:
                return _runtime.Provenance.Concat([.. concat.Items.Select(i => PythonFormatting.Str(Evaluate(i, scope)))]);
            case CompareExpression compare:
                var current = Evaluate(compare.First, scope);
                foreach (var (op, next) in compare.Rest)
                {
                    var right = Evaluate(next, scope);
                    if (!PythonOperators.Compare(op, current, right))
                    {
                        return false;
                    }

                    current = right;
                }

                return true;
            case ConditionalExpression conditional:
                return PythonValues.IsTruthy(Evaluate(conditional.Test, scope))
                    ? Evaluate(conditional.Then, scope)
                    : conditional.Else is null ? new JinjaUndefined("the conditional expression has no else branch") : Evaluate(conditional.Else, scope);
            default:
                throw new JinjaRuntimeError($"cannot evaluate {expression.GetType().Name}");
        }
    }

    private object? Optional(JinjaExpression? expression, JinjaScope scope) => expression is null ? null : Evaluate(expression, scope);

    private static string Describe(JinjaExpression expression) => expression switch
    {
        NameExpression n => $"'{n.Name}'",
        AttributeExpression a => $"'.{a.Name}'",
        ItemExpression => "'[...]'",
        CallExpression { Target: NameExpression n } => $"call '{n.Name}()'",
        CallExpression { Target: AttributeExpression a } => $"call '.{a.Name}()'",
        CallExpression => "call",
        FilterExpression f => $"filter '{f.Name}'",
        TestExpression t => $"test '{t.Name}'",
        UnaryExpression u => $"'{u.Operator}'",
        BinaryExpression b => $"'{b.Operator}'",
        ConcatExpression => "'~'",
        CompareExpression c => $"'{c.Rest[0].Operator}'",
        _ => "expression",
    };

    private static string Describe(JinjaStatement statement) => statement switch
    {
        ForStatement => "for",
        SetStatement or SetBlockStatement => "set",
        CallBlockStatement => "call",
        FilterBlockStatement => "filter",
        WithStatement => "with",
        _ => "statement",
    };
}
