using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Turns .NET and JSON values into what templates see, as Python's <c>json.loads</c> would: objects become dicts (keys in
/// order), arrays lists, JSON numbers without a fraction or exponent ints and the others floats, and .NET integers,
/// floating-point numbers, strings, booleans, dictionaries and sequences the same.
/// </summary>
public static class JinjaValues
{
    /// <summary>The template value of <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">A type with no template equivalent.</exception>
    public static object? From(object? value) => value switch
    {
        null => null,
        string or bool or long or double or JinjaUndefined or JinjaNamespace => value,
        JinjaTuple tuple when IsTemplateValue(tuple) => tuple,
        int i => (long)i,
        short or byte or sbyte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        float f => (double)f,
        decimal m => (double)m,
        JsonElement element => FromJson(element),
        JsonNode node => FromJson(node),
        List<object?> list when IsTemplateValue(list) => list,
        OrderedDictionary<object, object?> dict when IsTemplateValue(dict) => dict,
        IDictionary dictionary => FromDictionary(dictionary),
        IEnumerable sequence => new List<object?>(sequence.Cast<object?>().Select(From)),
        JinjaFunction or JinjaLoop => value,
        _ => throw new ArgumentException($"a {value.GetType().Name} cannot be passed to a template", nameof(value)),
    };

    /// <summary>The template value of a JSON element.</summary>
    public static object? FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var dict = PythonValues.NewDict();
                foreach (var property in element.EnumerateObject())
                {
                    dict[property.Name] = FromJson(property.Value);
                }

                return dict;
            case JsonValueKind.Array:
                return new List<object?>(element.EnumerateArray().Select(FromJson));
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return Number(element.GetRawText());
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>The template value of a JSON node.</summary>
    public static object? FromJson(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(node.ToJsonString());
        return FromJson(document.RootElement);
    }

    private static object Number(string raw)
    {
        if (raw.AsSpan().IndexOfAny(".eE") < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        return double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static OrderedDictionary<object, object?> FromDictionary(IDictionary dictionary)
    {
        var dict = PythonValues.NewDict();
        foreach (DictionaryEntry entry in dictionary)
        {
            dict[PythonValues.Key(From(entry.Key))] = From(entry.Value);
        }

        return dict;
    }

    private static bool IsTemplateValue(object? value) => value switch
    {
        null or string or bool or long or double or JinjaUndefined or JinjaNamespace or JinjaFunction or JinjaLoop => true,
        JinjaTuple tuple => tuple.All(IsTemplateValue),
        List<object?> list => list.All(IsTemplateValue),
        OrderedDictionary<object, object?> dict => ReferenceEquals(dict.Comparer, PythonValues.KeyComparer) && dict.Values.All(IsTemplateValue),
        _ => false,
    };
}
