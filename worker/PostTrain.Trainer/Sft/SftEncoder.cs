using PostTrain.Trainer.Data;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Sft;

/// <summary>
/// Turns dataset examples into training sequences whose labels cover the assistant's tokens only (its end-of-turn token
/// included), rendered through the model's chat template.
/// </summary>
public sealed class SftEncoder(ITokenizer tokenizer, ChatTemplate template, int maxSequenceLength)
{
    /// <summary>The chat messages an example stands for: its own messages, or its prompt as user and completion as assistant.</summary>
    public static IReadOnlyList<ChatMessage> Messages(Example example)
    {
        ArgumentNullException.ThrowIfNull(example);
        if (example.Messages is { Count: > 0 } messages)
        {
            return messages;
        }

        var completion = example.Completion ?? throw new InvalidDataException($"{Where(example)}: no completion to train on");
        return [ChatMessage.User(example.PromptText), ChatMessage.Assistant(completion)];
    }

    /// <summary>Encodes one example; labels are −100 on every non-assistant token.</summary>
    /// <exception cref="InvalidDataException">The example has nothing for the assistant to learn, or the chat template refuses it.</exception>
    public TokenizedSequence Encode(Example example)
    {
        var messages = Messages(example);
        if (!messages.Any(m => m.IsAssistant))
        {
            throw new InvalidDataException($"{Where(example)}: no assistant message to train on");
        }

        ChatEncoding encoding;
        try
        {
            encoding = template.Encode(tokenizer, messages);
        }
        catch (JinjaException e)
        {
            throw new InvalidDataException($"{Where(example)}: the chat template cannot render this conversation: {e.Message}", e);
        }

        var length = Math.Min(encoding.Length, maxSequenceLength);
        var ids = encoding.InputIds[..length];
        var labels = new int[length];
        for (var i = 0; i < length; i++)
        {
            labels[i] = encoding.AssistantMask[i] != 0 ? ids[i] : TokenizedSequence.Ignore;
        }

        return new TokenizedSequence(ids, labels);
    }

    private static string Where(Example e) => e.Source is null ? $"example {e.Id}" : $"{e.Source}:{e.SourceLine}";
}
