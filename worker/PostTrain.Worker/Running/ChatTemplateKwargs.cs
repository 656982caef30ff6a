using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Worker.Running;

/// <summary>A job's <c>spec.chatTemplateKwargs</c>: extra variables for the model's own (Jinja) chat template.</summary>
public static class ChatTemplateKwargs
{
    /// <summary>
    /// The template every rendering of the job's conversations uses: <paramref name="template"/> with
    /// <paramref name="kwargs"/> as further variables, or unchanged when there are none.
    /// </summary>
    /// <exception cref="JobInputException">Variables were given but the model has no Jinja chat template to read them.</exception>
    public static ChatTemplate Apply(ChatTemplate template, JsonObject? kwargs)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (kwargs is not { Count: > 0 })
        {
            return template;
        }

        if (template is not JinjaChatTemplate jinja)
        {
            throw new JobInputException($"spec.chatTemplateKwargs: {template.Description} takes no variables; remove them or use a model whose tokenizer_config.json has a chat_template");
        }

        return jinja.WithVariables(kwargs.ToDictionary(p => p.Key, p => JinjaValues.FromJson(p.Value), StringComparer.Ordinal));
    }
}
