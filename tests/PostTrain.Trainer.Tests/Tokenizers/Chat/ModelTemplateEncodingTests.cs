using System.Text.Json.Nodes;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>
/// A model directory whose tokenizer_config.json has a chat_template (Qwen3's real one) turns a dataset into tokens through
/// that template: the SFT sequence and the RLVR/Eval generation prompt are the tokens of what Jinja2 renders, not of the
/// built-in ChatML (which lacks Qwen3's empty &lt;think&gt; block).
/// </summary>
public sealed class ModelTemplateEncodingTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-model-template-");

    [Fact]
    public async Task A_messages_dataset_becomes_the_tokens_of_the_models_own_template()
    {
        File.Copy(Path.Combine(TokenizerTestData.Folder, "qwen3", "tokenizer.json"), Path.Combine(_dir.Path, "tokenizer.json"));
        File.Copy(Path.Combine(ChatTemplateTestData.Folder, "qwen3", "tokenizer_config.json"), Path.Combine(_dir.Path, "tokenizer_config.json"));
        var messages = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "Be brief." },
            new JsonObject { ["role"] = "user", ["content"] = "What is 3 + 5?" },
            new JsonObject { ["role"] = "assistant", ["content"] = "3 + 5 = 8\n#### 8" });
        var data = Path.Combine(_dir.Path, "train.jsonl");
        await File.WriteAllTextAsync(data, new JsonObject { ["messages"] = messages.DeepClone() }.ToJsonString() + "\n");

        var tokenizer = TokenizerLoader.FromFile(_dir.Path);
        var template = ChatTemplate.Detect(tokenizer, _dir.Path);
        template.ShouldBeOfType<JinjaChatTemplate>();
        var example = (await DatasetLoader.LoadAsync(data, new DatasetLoadOptions { Format = DatasetFormat.Messages }, CancellationToken.None)).Examples.ShouldHaveSingleItem();

        var (source, specialTokens) = ChatTemplateTestData.Raw("qwen3");
        var prompt = new JsonArray([.. messages.Take(2).Select(m => m!.DeepClone())]);
        var expected = JinjaOracle.Render(
        [
            (source, JinjaOracle.Variables(specialTokens, messages, addGenerationPrompt: false, [])),
            (source, JinjaOracle.Variables(specialTokens, prompt, addGenerationPrompt: true, [])),
        ]);
        var conversationText = expected[0].Rendered.ShouldNotBeNull();
        var promptText = expected[1].Rendered.ShouldNotBeNull();
        conversationText.ShouldContain("<|im_start|>assistant\n<think>\n\n</think>\n\n3 + 5 = 8");

        // SFT: the whole conversation, trained from the end of the assistant header through <|im_end|>.
        var sequence = new SftEncoder(tokenizer, template, 4096).Encode(example);
        sequence.InputIds.ShouldBe(tokenizer.Encode(conversationText));
        tokenizer.Decode([.. sequence.Labels.Where(l => l != TokenizedSequence.Ignore)]).ShouldBe("<think>\n\n</think>\n\n3 + 5 = 8\n#### 8<|im_end|>");
        sequence.InputIds.ShouldNotBe(ChatTemplate.ChatMl.Encode(tokenizer, SftEncoder.Messages(example)).InputIds);

        // RLVR and Eval: the prompt the model continues, a prefix of the trained sequence.
        var promptIds = template.EncodeGenerationPrompt(tokenizer, RlvrTrainer.PromptMessages(example));
        promptIds.ShouldBe(tokenizer.Encode(promptText));
        sequence.InputIds.Take(promptIds.Length).ShouldBe(promptIds);
        template.EndOfTurnId(tokenizer).ShouldBe(tokenizer.TokenToId("<|im_end|>")!.Value);
    }

    [Fact]
    public void With_enable_thinking_false_the_prompt_carries_the_empty_think_block_and_training_starts_after_it()
    {
        File.Copy(Path.Combine(TokenizerTestData.Folder, "qwen3", "tokenizer.json"), Path.Combine(_dir.Path, "tokenizer.json"));
        File.Copy(Path.Combine(ChatTemplateTestData.Folder, "qwen3", "tokenizer_config.json"), Path.Combine(_dir.Path, "tokenizer_config.json"));
        var tokenizer = TokenizerLoader.FromFile(_dir.Path);
        var template = ChatTemplate.FromDirectory(_dir.Path).ShouldBeOfType<JinjaChatTemplate>()
            .WithVariables(new Dictionary<string, object?> { ["enable_thinking"] = false });
        var messages = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "What is 3 + 5?" },
            new JsonObject { ["role"] = "assistant", ["content"] = "#### 8" });
        var (source, specialTokens) = ChatTemplateTestData.Raw("qwen3");
        var extra = new JsonObject { ["enable_thinking"] = false };
        var expected = JinjaOracle.Render(
        [
            (source, JinjaOracle.Variables(specialTokens, messages, addGenerationPrompt: false, extra)),
            (source, JinjaOracle.Variables(specialTokens, new JsonArray(messages[0]!.DeepClone()), addGenerationPrompt: true, extra)),
        ]);
        var promptText = expected[1].Rendered.ShouldNotBeNull();
        promptText.ShouldEndWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");

        ChatMessage[] conversation = [ChatMessage.User("What is 3 + 5?"), ChatMessage.Assistant("#### 8")];
        var encoding = template.Encode(tokenizer, conversation);
        encoding.InputIds.ShouldBe(tokenizer.Encode(expected[0].Rendered.ShouldNotBeNull()));
        tokenizer.Decode([.. encoding.InputIds.Where((_, i) => encoding.AssistantMask[i] == 1)]).ShouldBe("#### 8<|im_end|>");
        template.EncodeGenerationPrompt(tokenizer, conversation[..1]).ShouldBe(tokenizer.Encode(promptText));
    }

    public void Dispose() => _dir.Dispose();
}
