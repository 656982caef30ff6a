using System.Text.Json;

namespace PostTrain.Trainer.Data;

/// <summary>
/// Writes an <see cref="Example"/> as one JSON object, the way the trainer sees it: <c>id</c>, <c>source</c>
/// (<c>file:line</c>, or <c>file:row</c> for parquet), then the fields of the format it was read as, under the names of the
/// columns they came from (the format's defaults, or the job's <see cref="FieldNames"/>): <c>question</c>/<c>answer</c>
/// and <c>final_answer</c> (the text after <c>####</c> that math rewards compare against) for gsm8k, <c>prompt</c>/
/// <c>completion</c>/<c>answer</c>, <c>messages</c>/<c>answer</c>, <c>text</c>/<c>code</c>/<c>test_list</c>/
/// <c>test_setup_code</c> for mbpp. Generated items (format Auto) use <c>prompt</c>, <c>completion</c>, <c>answer</c>.
/// Fields an item does not have are left out.
/// </summary>
public static class ExampleRecordWriter
{
    /// <summary>Writes <paramref name="example"/> read with <paramref name="fields"/>' overrides.</summary>
    public static void Write(Utf8JsonWriter writer, Example example, FieldNames fields)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(fields);
        writer.WriteStartObject();
        writer.WriteString("id", example.Id);
        if (example.Source is not null)
        {
            writer.WriteString("source", example.SourceLine > 0 ? $"{example.Source}:{example.SourceLine}" : example.Source);
        }

        switch (example.Format)
        {
            case DatasetFormat.Gsm8k:
                Optional(writer, fields.Prompt ?? "question", example.Prompt);
                Optional(writer, fields.Completion ?? "answer", example.Completion);
                Optional(writer, fields.Answer ?? "final_answer", example.ReferenceAnswer);
                break;
            case DatasetFormat.Mbpp:
                Optional(writer, fields.Prompt ?? "text", example.Prompt);
                Optional(writer, fields.Completion ?? "code", example.Completion);
                Tests(writer, fields.Tests ?? "test_list", example.Tests);
                Optional(writer, fields.TestSetupCode ?? "test_setup_code", example.TestSetupCode);
                break;
            default:
                Messages(writer, fields.Messages ?? "messages", example);
                Optional(writer, fields.Prompt ?? "prompt", example.Prompt);
                Optional(writer, fields.Completion ?? "completion", example.Completion);
                Optional(writer, fields.Answer ?? "answer", example.ReferenceAnswer);
                Tests(writer, fields.Tests ?? "test_list", example.Tests);
                Optional(writer, fields.TestSetupCode ?? "test_setup_code", example.TestSetupCode);
                break;
        }

        writer.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void Tests(Utf8JsonWriter writer, string name, IReadOnlyList<string>? tests)
    {
        if (tests is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var test in tests)
        {
            writer.WriteStringValue(test);
        }

        writer.WriteEndArray();
    }

    private static void Messages(Utf8JsonWriter writer, string name, Example example)
    {
        if (example.Messages is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var message in example.Messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            writer.WriteString("content", message.Content);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
