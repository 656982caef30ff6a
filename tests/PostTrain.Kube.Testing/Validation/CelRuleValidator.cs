using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Evaluates the <c>x-kubernetes-validations</c> rules of a schema over an object as kube-apiserver 1.34 does
/// (apiextensions-apiserver pkg/apiserver/schema/cel/validation.go): depth first, the rules of a value before those of
/// its children; a null value has no rules run; a transition rule (one reading <c>oldSelf</c>) runs only on update and
/// only where the old value exists; old values pair with new ones by field name and, in map lists, by map keys. A
/// false rule reports <c>PATH: Invalid value: "TYPE": MESSAGE</c> (or the rule's reason) at the rule's fieldPath;
/// on update, a non-transition rule failing on an unchanged value is a warning instead (ratcheting).
/// </summary>
internal sealed partial class CelRuleValidator
{
    private const int MaxMessageExpressionBytes = 5 * 1024;

    private readonly CelEnvironment _env = KubeCelLibrary.CreateEnvironment();
    private readonly ConditionalWeakTable<SchemaNode, CompiledRule[]> _compiled = [];
    private readonly Lock _lock = new();

    /// <summary>Validates <paramref name="obj"/> (the resource root) against the rules of <paramref name="root"/>.</summary>
    public void Validate(SchemaNode root, JsonObject obj, JsonObject? old, Correlation? correlation, List<FieldError> errors, List<string> warnings)
    {
        lock (_lock)
        {
            Walk(root, null, obj, old, new Ratchet(correlation, null), typeAndObjectMeta: true, errors, warnings);
        }
    }

    private void Walk(SchemaNode schema, string? path, JsonNode? obj, JsonNode? old, Ratchet ratchet, bool typeAndObjectMeta, List<FieldError> errors, List<string> warnings)
    {
        if (obj is null)
        {
            return;
        }

        Evaluate(schema, path, obj, old, ratchet, typeAndObjectMeta, errors, warnings);
        switch (obj)
        {
            case JsonArray array when schema.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    var oldItem = schema.ListType == "map" ? Correlation.MapListItem(schema, old as JsonArray, array[i]) : null;
                    Walk(items, FieldPath.Index(path, i), array[i], oldItem, ratchet.Index(i), items.EmbeddedResource, errors, warnings);
                }

                break;
            case JsonObject map:
                var correlatable = schema.MapType is null or "granular" or "atomic";
                var oldMap = correlatable ? old as JsonObject : null;
                if (schema.AdditionalPropertiesSchema is { } additional)
                {
                    foreach (var (key, value) in map)
                    {
                        Walk(additional, FieldPath.Key(path, key), value, oldMap?[key], ratchet.Key(key), additional.EmbeddedResource, errors, warnings);
                    }
                }

                if (schema.Properties is { } properties)
                {
                    foreach (var (key, value) in map)
                    {
                        if (properties.TryGetValue(key, out var property))
                        {
                            Walk(property, FieldPath.Child(path, key), value, oldMap?[key], ratchet.Key(key), property.EmbeddedResource, errors, warnings);
                        }
                    }
                }

                break;
        }
    }

    private void Evaluate(SchemaNode schema, string? path, JsonNode obj, JsonNode? old, Ratchet ratchet, bool typeAndObjectMeta, List<FieldError> errors, List<string> warnings)
    {
        if (schema.Rules.Count == 0)
        {
            return;
        }

        var type = schema.Type;
        var field = FieldPath.Print(path);
        var compiled = _compiled.GetValue(schema, s => s.Rules.Select(r => CompiledRule.Compile(_env, r, s)).ToArray());
        var self = CelValues.ToCel(obj, schema, typeAndObjectMeta);
        var oldSelf = old is null ? null : CelValues.ToCel(old, schema, typeAndObjectMeta);
        var activation = new Dictionary<string, object?> { ["self"] = self, ["oldSelf"] = oldSelf };
        foreach (var rule in compiled)
        {
            if (rule.Error is not null)
            {
                errors.Add(FieldError.Invalid(field, type, $"rule compile error: {rule.Error}"));
                continue;
            }

            if (rule.Program is null || (rule.UsesOldSelf && old is null))
            {
                // An empty rule; or a transition rule without an old value (optionalOldSelf rules, which would then
                // see oldSelf as an optional, need CEL optionals the Cel package lacks).
                continue;
            }

            object? result;
            try
            {
                result = rule.Program(activation);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                errors.Add(FieldError.Invalid(field, type, EvaluationError(e, rule.Rule)));
                continue;
            }

            if (result is true)
            {
                continue;
            }

            var at = rule.NormalizedFieldPath is null ? field : FieldPath.Child(path, rule.NormalizedFieldPath);
            var detail = MessageExpression(rule, activation) ?? MessageOrDefault(rule.Rule);
            var error = rule.Rule.Reason switch
            {
                "FieldValueForbidden" => FieldError.Forbidden(at, detail),
                "FieldValueRequired" => FieldError.Required(at, detail),
                "FieldValueDuplicate" => FieldError.Duplicate(at, type),
                _ => FieldError.Invalid(at, type, detail),
            };
            if (!rule.UsesOldSelf && ratchet.ShouldRatchet())
            {
                warnings.Add(error.ToString());
            }
            else
            {
                errors.Add(error);
            }
        }
    }

    /// <summary>evalMessageExpression: a non-empty single-line string of at most 5 KiB, else null (the message is used).</summary>
    private static string? MessageExpression(CompiledRule rule, Dictionary<string, object?> activation)
    {
        if (rule.MessageProgram is null)
        {
            return null;
        }

        try
        {
            if (rule.MessageProgram(activation) is string text
                && text.Trim() is { Length: > 0 } trimmed
                && Encoding.UTF8.GetByteCount(trimmed) <= MaxMessageExpressionBytes
                && !trimmed.Contains('\n', StringComparison.Ordinal))
            {
                return trimmed;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // kube logs the failure and falls back to the message.
        }

        return null;
    }

    /// <summary>ruleMessageOrDefault.</summary>
    private static string MessageOrDefault(ValidationRule rule) =>
        string.IsNullOrWhiteSpace(rule.Message) ? $"failed rule: {ErrorString(rule)}" : rule.Message.Trim();

    /// <summary>ruleErrorString: the message, else the rule.</summary>
    private static string ErrorString(ValidationRule rule) =>
        string.IsNullOrWhiteSpace(rule.Message) ? rule.Rule.Trim() : rule.Message.Trim();

    /// <summary>The detail kube gives a rule that failed to evaluate, with cel-go's wording where the Cel package's differs.</summary>
    private static string EvaluationError(Exception e, ValidationRule rule)
    {
        if (e is CelNoSuchOverloadException)
        {
            return $"'no such overload': call arguments did not match a supported operator, function or macro signature for rule: {ErrorString(rule)}";
        }

        var text = e switch
        {
            CelNoSuchFieldException when QuotedName().Match(e.Message) is { Success: true } m => $"no such key: {m.Groups[1].Value}",
            CelTypeDoesNotSupportFieldSelectionException when QuotedName().Match(e.Message) is { Success: true } m => $"no such key: {m.Groups[1].Value.Split('.')[^1]}",
            CelArgumentRangeException when e.Message.StartsWith("Key", StringComparison.Ordinal) => "no such key",
            CelArgumentRangeException => "index out of bounds",
            CelDivideByZeroException => "division by zero",
            CelModulusByZeroException => "modulus by zero",
            CelOverflowException => "integer overflow",
            _ => e.Message,
        };
        return $"{text} evaluating rule: {ErrorString(rule)}";
    }

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex QuotedName();

    /// <summary>
    /// ratchetingOptions: the correlated old/new pair of the current value, or the nearest correlated ancestor; an
    /// error is ratcheted when that value is unchanged.
    /// </summary>
    private readonly record struct Ratchet(Correlation? Current, Correlation? Parent)
    {
        public Ratchet Key(string field)
        {
            if (Current is null)
            {
                return this;
            }

            return Parent is null && field is "apiVersion" or "kind" ? default : new Ratchet(Current.Key(field), Current);
        }

        public Ratchet Index(int index) => Current is null ? this : new Ratchet(Current.Index(index), Current);

        public bool ShouldRatchet() => Current?.DeepEqual() ?? Parent?.DeepEqual() ?? false;
    }
}
