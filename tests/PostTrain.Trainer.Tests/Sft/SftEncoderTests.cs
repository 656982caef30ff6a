using PostTrain.Trainer.Data;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Tests.Sft;

public class SftEncoderTests
{
    [Fact]
    public void Labels_cover_exactly_the_assistant_tokens_and_its_end_of_turn_token_by_token()
    {
        var tokenizer = SftFixtures.Tokenizer;
        var example = new Example { Id = "x", Prompt = "Tom has 3 apples. He buys 5 more. How many apples does Tom have?", Completion = "3 + 5 = 8\n#### 8" };
        var sequence = new SftEncoder(tokenizer, ChatTemplate.ChatMl, 512).Encode(example);

        // The rendered conversation, split where the assistant's answer starts.
        var prompt = ChatTemplate.ChatMl.EncodeGenerationPrompt(tokenizer, [ChatMessage.User(example.Prompt)]);
        var answer = tokenizer.Encode(example.Completion);
        var endOfTurn = ChatTemplate.ChatMl.EndOfTurnId(tokenizer);
        sequence.InputIds[..prompt.Length].ShouldBe(prompt);
        sequence.InputIds.Skip(prompt.Length).Take(answer.Length).ShouldBe(answer);
        sequence.InputIds[prompt.Length + answer.Length].ShouldBe(endOfTurn);

        for (var i = 0; i < sequence.Length; i++)
        {
            var trained = i >= prompt.Length && i <= prompt.Length + answer.Length;
            sequence.Labels[i].ShouldBe(trained ? sequence.InputIds[i] : TokenizedSequence.Ignore, $"position {i} ('{tokenizer.Decode([sequence.InputIds[i]])}')");
        }

        tokenizer.Decode([.. sequence.Labels.Where(l => l != TokenizedSequence.Ignore)]).ShouldBe("3 + 5 = 8\n#### 8<|im_end|>");
    }

    [Fact]
    public void Multi_turn_messages_train_every_assistant_turn_and_nothing_else()
    {
        var tokenizer = SftFixtures.Tokenizer;
        var example = new Example
        {
            Id = "m",
            Messages = [new ChatMessage("system", "Be brief."), new ChatMessage("user", "2 + 2?"), new ChatMessage("assistant", "#### 4"), new ChatMessage("user", "and 3 + 3?"), new ChatMessage("assistant", "#### 6")],
        };
        var sequence = new SftEncoder(tokenizer, ChatTemplate.ChatMl, 512).Encode(example);
        tokenizer.Decode([.. sequence.Labels.Where(l => l != TokenizedSequence.Ignore)]).ShouldBe("#### 4<|im_end|>#### 6<|im_end|>");
    }

    [Fact]
    public void An_example_without_an_answer_is_an_error_naming_its_line()
    {
        var e = Should.Throw<InvalidDataException>(() => new SftEncoder(SftFixtures.Tokenizer, ChatTemplate.ChatMl, 64).Encode(new Example { Id = "q", Prompt = "hi", Source = "data.jsonl", SourceLine = 7 }));
        e.Message.ShouldContain("data.jsonl:7");
    }
}
