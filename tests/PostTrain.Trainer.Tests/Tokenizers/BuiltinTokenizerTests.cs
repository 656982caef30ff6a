using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Tests.Tokenizers;

public sealed class BuiltinTokenizerTests
{
    private static ByteLevelBpeTokenizer Tokenizer => BuiltinTokenizers.Arithmetic;

    [Fact]
    public void Vocabulary_is_small_with_special_tokens_last()
    {
        Tokenizer.VocabSize.ShouldBeInRange(1000, 2048);
        Tokenizer.AddedTokens.Select(t => t.Content).ShouldBe(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]);
        Tokenizer.AddedTokens.ShouldAllBe(t => t.Special);
        Tokenizer.AddedTokens[^1].Id.ShouldBe(Tokenizer.VocabSize - 1);
        Tokenizer.SpecialTokens.Eos!.Content.ShouldBe("<|im_end|>");
        Tokenizer.SpecialTokens.Pad!.Content.ShouldBe("<pad>");
    }

    [Fact]
    public void Digits_are_single_tokens()
    {
        var ids = Tokenizer.Encode("1234567890");
        ids.Length.ShouldBe(10);
        ids.Select(id => Tokenizer.IdToToken(id)).ShouldBe(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]);
    }

    [Theory]
    [InlineData(" apples")]
    [InlineData("How")]
    [InlineData(" many")]
    [InlineData(" ####")]
    [InlineData(" +")]
    [InlineData(" =")]
    [InlineData("<<")]
    [InlineData(">>")]
    [InlineData("\n")]
    [InlineData(" dollars")]
    [InlineData("assistant")]
    [InlineData(" altogether")]
    public void Common_words_and_operators_are_single_tokens(string text)
    {
        Tokenizer.Encode(text).Length.ShouldBe(1, text);
    }

    [Fact]
    public void Encodes_a_worked_answer_compactly_and_back()
    {
        const string answer = "Tom has 3 apples and buys 5 more. How many apples does he have?\n3 + 5 = <<3+5=8>>8\n#### 8";
        var ids = Tokenizer.Encode(answer);
        ids.Length.ShouldBeLessThan(45);
        Tokenizer.Decode(ids).ShouldBe(answer);
    }

    [Fact]
    public void Special_tokens_in_text_are_single_ids()
    {
        var ids = Tokenizer.Encode("<|im_start|>user\n2+2<|im_end|>");
        ids[0].ShouldBe(Tokenizer.TokenToId("<|im_start|>")!.Value);
        ids[^1].ShouldBe(Tokenizer.TokenToId("<|im_end|>")!.Value);
        Tokenizer.Decode(ids, skipSpecialTokens: true).ShouldBe("user\n2+2");
    }

    [Fact]
    public void Is_deterministic_and_pinned()
    {
        // Worked out without this code: byte-level BPE puts the 256 byte tokens first, in byte order, so each ASCII
        // digit's id is its byte ("0" = 0x30 = 48); the documented 1,660 tokens end with the four special tokens.
        Tokenizer.Encode("1234567890").ShouldBe([49, 50, 51, 52, 53, 54, 55, 56, 57, 48]);
        Tokenizer.VocabSize.ShouldBe(1660);
        Tokenizer.TokenToId(BuiltinTokenizers.EndOfText).ShouldBe(1656);
        Tokenizer.TokenToId(BuiltinTokenizers.Pad).ShouldBe(1659);

        // The merges themselves have no second source, so the whole tokenizer.json is pinned by its SHA-256, recorded
        // from the build of 2026-12-06 (commit 4daf703): a change in merge order, tie-breaking or serialisation (say,
        // a hash-ordered collection) fails here, in another process and on another runtime, not only within one run.
        var json = BuiltinTokenizers.ArithmeticTokenizerJson();
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))
            .ShouldBe("5b69e4944d3b6d9bfe6cd5c09d8f312b7fb78465ef9bfc8bcbea4e1b4ed09708");
        BuiltinTokenizers.ArithmeticTokenizerJson().ShouldBe(json);
    }

    [Fact]
    public void Saves_to_a_checkpoint_folder_and_loads_back_identically()
    {
        using var dir = new TempDirectory("arith-tok-");
        BuiltinTokenizers.SaveArithmetic(dir.Path);
        File.Exists(Path.Combine(dir.Path, "tokenizer.json")).ShouldBeTrue();
        File.Exists(Path.Combine(dir.Path, "tokenizer_config.json")).ShouldBeTrue();
        var loaded = TokenizerLoader.FromFile(dir.Path);
        loaded.VocabSize.ShouldBe(Tokenizer.VocabSize);
        loaded.SpecialTokens.ShouldBe(Tokenizer.SpecialTokens);
        loaded.AddedTokens.ShouldBe(Tokenizer.AddedTokens);
        foreach (var v in TokenizerTestData.Vectors)
        {
            loaded.Encode(v.Text).ShouldBe(Tokenizer.Encode(v.Text), $"line {v.Line}");
        }

        // The checkpoint carries ChatML as its Jinja chat_template, which renders, masks and ends turns as the built-in does.
        var template = ChatTemplate.FromDirectory(dir.Path).ShouldBeOfType<JinjaChatTemplate>();
        template.Jinja.ShouldBe(ChatTemplate.ChatMl.Jinja);
        ChatMessage[] conversation = [ChatMessage.System("Be brief."), ChatMessage.User("Tom has 3 apples. He buys 5 more."), ChatMessage.Assistant("3 + 5 = 8\n#### 8"), ChatMessage.User("And 2 * 4?"), ChatMessage.Assistant("#### 8")];
        var own = template.Encode(loaded, conversation);
        var builtin = ChatTemplate.ChatMl.Encode(Tokenizer, conversation);
        own.InputIds.ShouldBe(builtin.InputIds);
        own.AssistantMask.ShouldBe(builtin.AssistantMask);
        template.EncodeGenerationPrompt(loaded, conversation[..4]).ShouldBe(ChatTemplate.ChatMl.EncodeGenerationPrompt(Tokenizer, conversation[..4]));
        template.EndOfTurnId(loaded).ShouldBe(ChatTemplate.ChatMl.EndOfTurnId(Tokenizer));
    }
}
