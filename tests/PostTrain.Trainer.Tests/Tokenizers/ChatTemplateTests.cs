using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Tests.Tokenizers;

public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] Conversation =
    [
        ChatMessage.System("You are a helpful math tutor."),
        ChatMessage.User("What is 3 + 5?"),
        ChatMessage.Assistant("3 + 5 = 8\n#### 8"),
        ChatMessage.User("And 2 * 4?"),
        ChatMessage.Assistant("2 * 4 = 8. #### 8"),
    ];

    [Fact]
    public void A_model_with_a_chat_template_gets_its_own_and_one_without_gets_plain()
    {
        var qwen3 = ChatTemplate.FromDirectory(Path.Combine(TokenizerTestData.Folder, "qwen3")).ShouldBeOfType<JinjaChatTemplate>();
        qwen3.Origin.ShouldEndWith("tokenizer_config.json (chat_template)");
        qwen3.Jinja.ShouldContain("enable_thinking");
        ChatTemplate.FromDirectory(Path.Combine(TokenizerTestData.Folder, "gpt2")).ShouldBe(ChatTemplate.Plain);
        ChatTemplate.FromJinja("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}").ShouldBeOfType<JinjaChatTemplate>();
        ChatTemplate.FromJinja(null).ShouldBe(ChatTemplate.Plain);
        ChatTemplate.FromName("qwen").ShouldBe(ChatTemplate.ChatMl);
        Should.Throw<ArgumentException>(() => ChatTemplate.FromName("vicuna"));
    }

    [Fact]
    public void Detect_uses_the_models_own_template_else_the_tokenizers_own_chat_tokens()
    {
        ChatTemplate.Detect(TokenizerTestData.Qwen3, Path.Combine(TokenizerTestData.Folder, "qwen3")).ShouldBeOfType<JinjaChatTemplate>();
        ChatTemplate.Detect(TokenizerTestData.Qwen3).ShouldBe(ChatTemplate.ChatMl);
        ChatTemplate.Detect(TokenizerTestData.Gpt2, Path.Combine(TokenizerTestData.Folder, "gpt2")).ShouldBe(ChatTemplate.Plain);
        ChatTemplate.Detect(BuiltinTokenizers.Arithmetic).ShouldBe(ChatTemplate.ChatMl);
        ChatTemplate.Detect(Llama3LikeTokenizer()).ShouldBe(ChatTemplate.Llama3);
        ChatTemplate.Detect(TokenizerTestData.Gpt2).ShouldBe(ChatTemplate.Plain);
    }

    [Fact]
    public void ChatMl_renders_the_qwen_text_and_matches_whole_text_tokenization()
    {
        var qwen = TokenizerTestData.Qwen3;
        var text = ChatTemplate.ChatMl.RenderText(Conversation, addGenerationPrompt: false, qwen);
        text.ShouldBe(
            "<|im_start|>system\nYou are a helpful math tutor.<|im_end|>\n" +
            "<|im_start|>user\nWhat is 3 + 5?<|im_end|>\n" +
            "<|im_start|>assistant\n3 + 5 = 8\n#### 8<|im_end|>\n" +
            "<|im_start|>user\nAnd 2 * 4?<|im_end|>\n" +
            "<|im_start|>assistant\n2 * 4 = 8. #### 8<|im_end|>\n");
        var encoding = ChatTemplate.ChatMl.Encode(qwen, Conversation);
        encoding.InputIds.ShouldBe(qwen.Encode(text));
        encoding.AssistantMask.Length.ShouldBe(encoding.InputIds.Length);
    }

    [Fact]
    public void ChatMl_mask_covers_exactly_the_assistant_content_and_its_end_token()
    {
        var qwen = TokenizerTestData.Qwen3;
        var encoding = ChatTemplate.ChatMl.Encode(qwen, Conversation);
        MaskedRuns(qwen, encoding).ShouldBe(["3 + 5 = 8\n#### 8<|im_end|>", "2 * 4 = 8. #### 8<|im_end|>"]);
        ChatTemplate.ChatMl.EndOfTurnId(qwen).ShouldBe(151645);
    }

    [Fact]
    public void Generation_prompt_ids_are_a_prefix_of_the_answered_conversation()
    {
        foreach (var tokenizer in new ITokenizer[] { TokenizerTestData.Qwen3, BuiltinTokenizers.Arithmetic })
        {
            var prompt = Conversation[..4];
            var promptIds = ChatTemplate.ChatMl.EncodeGenerationPrompt(tokenizer, prompt);
            var full = ChatTemplate.ChatMl.Encode(tokenizer, Conversation);
            full.InputIds.AsSpan(0, promptIds.Length).ToArray().ShouldBe(promptIds);
            tokenizer.Decode(promptIds).ShouldEndWith("<|im_start|>assistant\n");
            full.AssistantMask[promptIds.Length].ShouldBe(1);
            full.AssistantMask[promptIds.Length - 1].ShouldBe(0);
        }
    }

    [Fact]
    public void Llama3_renders_headers_trims_content_and_masks_through_eot()
    {
        var tokenizer = Llama3LikeTokenizer();
        var messages = new[] { ChatMessage.User(" 2+2? "), ChatMessage.Assistant(" 4 ") };
        ChatTemplate.Llama3.RenderText(messages, false, tokenizer).ShouldBe(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>");
        var encoding = ChatTemplate.Llama3.Encode(tokenizer, messages);
        encoding.InputIds.ShouldBe(tokenizer.Encode(ChatTemplate.Llama3.RenderText(messages, false, tokenizer)));
        MaskedRuns(tokenizer, encoding).ShouldBe(["4<|eot_id|>"]);
        tokenizer.Decode(ChatTemplate.Llama3.EncodeGenerationPrompt(tokenizer, messages[..1]))
            .ShouldEndWith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    [Fact]
    public void Plain_template_ends_assistant_turns_with_eos()
    {
        var gpt2 = TokenizerTestData.Gpt2;
        var messages = new[] { ChatMessage.User("What is 1+1?"), ChatMessage.Assistant("2") };
        ChatTemplate.Plain.RenderText(messages, false, gpt2).ShouldBe("User: What is 1+1?\nAssistant: 2<|endoftext|>\n");
        var encoding = ChatTemplate.Plain.Encode(gpt2, messages);
        MaskedRuns(gpt2, encoding).ShouldBe(["2<|endoftext|>"]);
        encoding.InputIds.ShouldContain(50256);
        gpt2.Decode(ChatTemplate.Plain.EncodeGenerationPrompt(gpt2, messages[..1])).ShouldBe("User: What is 1+1?\nAssistant: ");
    }

    [Fact]
    public void Missing_template_tokens_raise_a_clear_error()
    {
        var e = Should.Throw<InvalidOperationException>(() => ChatTemplate.ChatMl.Encode(TokenizerTestData.Gpt2, Conversation));
        e.Message.ShouldContain("<|im_start|>");
    }

    private static List<string> MaskedRuns(ITokenizer tokenizer, ChatEncoding encoding)
    {
        var runs = new List<string>();
        var i = 0;
        while (i < encoding.Length)
        {
            if (encoding.AssistantMask[i] == 0)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < encoding.Length && encoding.AssistantMask[i] == 1)
            {
                i++;
            }

            runs.Add(tokenizer.Decode(encoding.InputIds.AsSpan(start, i - start)));
        }

        return runs;
    }

    /// <summary>The arithmetic tokenizer with Llama 3's chat tokens added, loaded through tokenizer.json.</summary>
    private static ByteLevelBpeTokenizer Llama3LikeTokenizer()
    {
        var json = JsonNode.Parse(BuiltinTokenizers.Arithmetic.ToJson())!.AsObject();
        var added = json["added_tokens"]!.AsArray();
        var id = BuiltinTokenizers.Arithmetic.VocabSize;
        foreach (var token in new[] { "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>" })
        {
            added.Add(new JsonObject { ["id"] = id++, ["content"] = token, ["special"] = true });
        }

        using var dir = new TempDirectory("llama3-like-");
        var path = Path.Combine(dir.Path, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return TokenizerLoader.FromFile(path);
    }
}
