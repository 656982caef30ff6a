using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Worker.Cli;

/// <summary>
/// <c>chat-template --config PATH</c>: renders conversations with a model's own chat template, to check what the trainer
/// will feed the model. PATH is a tokenizer_config.json or a model directory (where chat_template.jinja wins). Reads JSON
/// lines <c>{"messages": [...], "add_generation_prompt": bool, "extra": {...}}</c> (blank lines skipped) and writes one JSON
/// string per line: the rendering. A line that is not such an object, or that the template cannot render (its
/// <c>raise_exception</c> included), stops the command with exit code 2, naming the line.
/// </summary>
public static class ChatTemplateCommand
{
    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal) { "messages", "add_generation_prompt", "extra" };

    /// <summary>The <c>chat-template</c> command.</summary>
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "A tokenizer_config.json, or a model directory (where " + ChatTemplateFiles.JinjaFileName + " wins).",
            HelpName = "PATH",
            Required = true,
        };
        var command = new Command(
            "chat-template",
            "Render conversations with a model's own chat template: JSON lines {\"messages\": [...], \"add_generation_prompt\": bool, \"extra\": {...}} in, one JSON string per line out.")
        {
            config,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(parse.GetRequiredValue(config), cancellationToken));
        return command;
    }

    /// <summary>Renders each stdin line with the template at <paramref name="path"/>; returns the process exit code.</summary>
    public static async Task<int> ExecuteAsync(string path, CancellationToken cancellationToken)
    {
        var template = ChatTemplateFiles.Load(path)
            ?? throw new InvalidDataException($"{path}: no chat template (neither {ChatTemplateFiles.JinjaFileName} nor a chat_template in {ChatTemplateFiles.ConfigFileName})");
        var lineNumber = 0;
        while (await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string rendered;
            try
            {
                rendered = Render(template, line);
            }
            catch (Exception e) when (e is JsonException or JinjaException or InvalidDataException)
            {
                Console.Error.WriteLine($"posttrain-worker: InvalidInput: stdin:{lineNumber}: {e.Message}");
                return WorkerExitCodes.InvalidInput;
            }

            Console.WriteLine(JsonSerializer.Serialize(rendered, Output));
        }

        return WorkerExitCodes.Succeeded;
    }

    private static string Render(JinjaChatTemplate template, string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("expected a JSON object {\"messages\": [...], \"add_generation_prompt\": bool, \"extra\": {...}}");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                throw new InvalidDataException($"unknown field '{property.Name}' (known: messages, add_generation_prompt, extra; other template variables go in extra)");
            }
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("field 'messages' must be an array of messages");
        }

        var addGenerationPrompt = false;
        if (root.TryGetProperty("add_generation_prompt", out var prompt))
        {
            addGenerationPrompt = prompt.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw new InvalidDataException("field 'add_generation_prompt' must be true or false"),
            };
        }

        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (root.TryGetProperty("extra", out var variables) && variables.ValueKind != JsonValueKind.Null)
        {
            if (variables.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("field 'extra' must be an object of template variables");
            }

            foreach (var variable in variables.EnumerateObject())
            {
                extra[variable.Name] = JinjaValues.FromJson(variable.Value);
            }
        }

        var list = (List<object?>)JinjaValues.FromJson(messages)!;
        return template.Render(list, addGenerationPrompt, extra);
    }
}
