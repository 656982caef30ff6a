using System.Globalization;
using System.Text.Json;

using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Data;

/// <summary>Normalises one JSON record of any <see cref="DatasetFormat"/> into an <see cref="Example"/>.</summary>
public static class ExampleParser
{
    /// <summary>
    /// Parses a record; throws <see cref="DatasetFormatException"/> naming <paramref name="source"/>, <paramref name="line"/>
    /// and what is wrong.
    /// </summary>
    public static Example Parse(JsonElement record, DatasetFormat format, FieldNames fields, string source, int line)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new DatasetFormatException(source, line, $"expected a JSON object, found {Describe(record.ValueKind)}");
        }

        var resolved = format == DatasetFormat.Auto ? Detect(record, fields, source, line) : format;
        var id = OptionalScalar(record, fields.Id ?? (resolved == DatasetFormat.Mbpp ? "task_id" : "id"), source, line)
            ?? $"{Path.GetFileName(source)}:{line}";
        var baseExample = new Example { Id = id, Source = source, SourceLine = line, Format = resolved };
        return resolved switch
        {
            DatasetFormat.Messages => baseExample with
            {
                Messages = ParseMessages(record, fields.Messages ?? "messages", source, line),
                ReferenceAnswer = OptionalScalar(record, fields.Answer ?? "answer", source, line),
            },
            DatasetFormat.PromptCompletion => baseExample with
            {
                Prompt = RequiredString(record, fields.Prompt ?? "prompt", source, line),
                Completion = OptionalString(record, fields.Completion ?? "completion", source, line),
                ReferenceAnswer = OptionalScalar(record, fields.Answer ?? "answer", source, line),
            },
            DatasetFormat.Gsm8k => ParseGsm8k(baseExample, record, fields, source, line),
            DatasetFormat.Mbpp => baseExample with
            {
                Prompt = RequiredString(record, fields.Prompt ?? "text", source, line),
                Completion = OptionalString(record, fields.Completion ?? "code", source, line),
                Tests = ParseTests(record, fields.Tests ?? "test_list", source, line),
                TestSetupCode = OptionalString(record, fields.TestSetupCode ?? "test_setup_code", source, line) is { Length: > 0 } setup ? setup : null,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown dataset format"),
        };
    }

    /// <summary>
    /// The names of the fields a record of <paramref name="format"/> may read with <paramref name="fields"/>' overrides
    /// (every format's for <see cref="DatasetFormat.Auto"/>), in a fixed order: columnar files read only these columns.
    /// </summary>
    public static IReadOnlyList<string> FieldsRead(DatasetFormat format, FieldNames fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (format == DatasetFormat.Auto)
        {
            return [.. new[] { DatasetFormat.Messages, DatasetFormat.PromptCompletion, DatasetFormat.Gsm8k, DatasetFormat.Mbpp }.SelectMany(f => FieldsRead(f, fields)).Distinct()];
        }

        string?[] names = format switch
        {
            DatasetFormat.Messages => [fields.Messages ?? "messages", fields.Answer ?? "answer", fields.Id ?? "id"],
            DatasetFormat.PromptCompletion => [fields.Prompt ?? "prompt", fields.Completion ?? "completion", fields.Answer ?? "answer", fields.Id ?? "id"],
            DatasetFormat.Gsm8k => [fields.Prompt ?? "question", fields.Completion ?? "answer", fields.Answer, fields.Id ?? "id"],
            DatasetFormat.Mbpp => [fields.Prompt ?? "text", fields.Completion ?? "code", fields.Tests ?? "test_list", fields.TestSetupCode ?? "test_setup_code", fields.Id ?? "task_id"],
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown dataset format"),
        };
        return [.. names.OfType<string>().Distinct()];
    }

    /// <summary>The final answer of a GSM8K-style solution: the trimmed text after the last <c>####</c>, or null when there is none.</summary>
    public static string? FinalAnswerAfterHashes(string solution)
    {
        ArgumentNullException.ThrowIfNull(solution);
        var at = solution.LastIndexOf("####", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var answer = solution[(at + 4)..].Trim();
        var newline = answer.IndexOf('\n', StringComparison.Ordinal);
        return newline >= 0 ? answer[..newline].Trim() : answer;
    }

    private static Example ParseGsm8k(Example baseExample, JsonElement record, FieldNames fields, string source, int line)
    {
        var answerField = fields.Completion ?? "answer";
        var solution = RequiredString(record, answerField, source, line);
        var final = fields.Answer is not null ? OptionalScalar(record, fields.Answer, source, line) : FinalAnswerAfterHashes(solution);
        if (string.IsNullOrEmpty(final))
        {
            throw new DatasetFormatException(source, line, $"field '{answerField}' has no final answer after '####' (GSM8K answers end in '#### <number>')");
        }

        return baseExample with
        {
            Prompt = RequiredString(record, fields.Prompt ?? "question", source, line),
            Completion = solution,
            ReferenceAnswer = final,
        };
    }

    private static DatasetFormat Detect(JsonElement record, FieldNames fields, string source, int line)
    {
        bool Has(string name) => record.TryGetProperty(name, out _);
        if (Has(fields.Messages ?? "messages"))
        {
            return DatasetFormat.Messages;
        }

        if (Has(fields.Prompt ?? "prompt"))
        {
            return DatasetFormat.PromptCompletion;
        }

        if (Has(fields.Prompt ?? "question") && Has(fields.Completion ?? "answer"))
        {
            return DatasetFormat.Gsm8k;
        }

        if (Has(fields.Prompt ?? "text") && (Has(fields.Tests ?? "test_list") || Has(fields.Completion ?? "code")))
        {
            return DatasetFormat.Mbpp;
        }

        var keys = string.Join(", ", record.EnumerateObject().Select(p => p.Name));
        throw new DatasetFormatException(source, line,
            $"cannot tell the record's format: expected 'messages', 'prompt', 'question'+'answer' (GSM8K) or 'text'+'test_list' (MBPP), found [{keys}]; set the format or the field names");
    }

    private static List<ChatMessage> ParseMessages(JsonElement record, string field, string source, int line)
    {
        if (!record.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            throw new DatasetFormatException(source, line, $"field '{field}' must be an array of {{role, content}} objects, found {(value.ValueKind == JsonValueKind.Undefined ? "nothing" : Describe(value.ValueKind))}");
        }

        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(role.GetString())
                || !item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                throw new DatasetFormatException(source, line, $"{field}[{index}] must be an object with string 'role' and 'content'");
            }

            messages.Add(new ChatMessage(role.GetString()!, content.GetString()!));
            index++;
        }

        if (messages.Count == 0)
        {
            throw new DatasetFormatException(source, line, $"field '{field}' is an empty array");
        }

        return messages;
    }

    private static List<string> ParseTests(JsonElement record, string field, string source, int line)
    {
        if (!record.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            throw new DatasetFormatException(source, line, $"field '{field}' must be an array of Python test strings");
        }

        var tests = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new DatasetFormatException(source, line, $"{field}[{tests.Count}] must be a string, found {Describe(item.ValueKind)}");
            }

            tests.Add(item.GetString()!);
        }

        if (tests.Count == 0)
        {
            throw new DatasetFormatException(source, line, $"field '{field}' is an empty array; a code item needs at least one test");
        }

        return tests;
    }

    private static string RequiredString(JsonElement record, string field, string source, int line)
    {
        if (!record.TryGetProperty(field, out var value))
        {
            throw new DatasetFormatException(source, line, $"missing field '{field}'");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new DatasetFormatException(source, line, $"field '{field}' must be a string, found {Describe(value.ValueKind)}");
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new DatasetFormatException(source, line, $"field '{field}' is empty");
        }

        return text;
    }

    private static string? OptionalString(JsonElement record, string field, string source, int line)
    {
        if (!record.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new DatasetFormatException(source, line, $"field '{field}' must be a string, found {Describe(value.ValueKind)}");
    }

    private static string? OptionalScalar(JsonElement record, string field, string source, int line)
    {
        if (!record.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => value.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            _ => throw new DatasetFormatException(source, line, $"field '{field}' must be a string or number, found {Describe(value.ValueKind)}"),
        };
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
