using PostTrain.Trainer.Tokenizers;

namespace PostTrain.Trainer.Tests.Tokenizers;

public sealed class TokenizerApiTests
{
    [Fact]
    public void Qwen3_reports_vocab_size_and_special_tokens_from_tokenizer_config()
    {
        var qwen = TokenizerTestData.Qwen3;
        qwen.VocabSize.ShouldBe(151669);
        qwen.SpecialTokens.Eos.ShouldBe(new SpecialToken("<|im_end|>", 151645));
        qwen.SpecialTokens.Pad.ShouldBe(new SpecialToken("<|endoftext|>", 151643));
        qwen.SpecialTokens.Bos.ShouldBeNull();
        qwen.TokenToId("<|im_start|>").ShouldBe(151644);
        qwen.TokenToId("Ġthe").ShouldBe(279);
        qwen.IdToToken(279).ShouldBe("Ġthe");
        qwen.TokenToId("no such token at all").ShouldBeNull();
        qwen.IdToToken(-1).ShouldBeNull();
    }

    [Fact]
    public void Gpt2_treats_endoftext_in_text_as_text_but_knows_it_as_eos()
    {
        var gpt2 = TokenizerTestData.Gpt2;
        gpt2.VocabSize.ShouldBe(50257);
        gpt2.SpecialTokens.Eos.ShouldBe(new SpecialToken("<|endoftext|>", 50256));
        gpt2.Encode("<|endoftext|>").Length.ShouldBeGreaterThan(1);
        gpt2.Decode([15496, 50256], skipSpecialTokens: true).ShouldBe("Hello");
        gpt2.Decode([15496, 50256]).ShouldBe("Hello<|endoftext|>");
    }

    [Fact]
    public void Decode_rejects_ids_outside_the_vocabulary()
    {
        var e = Should.Throw<ArgumentOutOfRangeException>(() => TokenizerTestData.Gpt2.Decode([1, 50257]));
        e.Message.ShouldContain("50257");
    }

    [Fact]
    public void Decode_of_a_cut_multibyte_character_gives_replacement_character()
    {
        // U+1D400 is four UTF-8 bytes that GPT-2 has no single token for.
        var ids = TokenizerTestData.Gpt2.Encode("\U0001D400");
        ids.Length.ShouldBeGreaterThan(1);
        var partial = TokenizerTestData.Gpt2.Decode(ids.AsSpan(0, ids.Length - 1));
        partial.ShouldNotBeEmpty();
        partial.ShouldAllBe(c => c == '\uFFFD');
    }

    [Fact]
    public void Encode_with_special_tokens_adds_nothing_for_qwen_whose_post_processor_is_byte_level()
    {
        TokenizerTestData.Qwen3.Encode("hi", addSpecialTokens: true).ShouldBe(TokenizerTestData.Qwen3.Encode("hi"));
    }

    [Fact]
    public void Long_pieces_use_the_queue_merge_and_agree_with_the_scan_merge()
    {
        var model = TokenizerTestData.Qwen3.Model;
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var bytes = new byte[random.Next(2, 120)];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)"abcdefghij  xyz"[random.Next(15)];
            }

            var initial = bytes.Select(b => model.IdOf(((char)b == ' ' ? 'Ġ' : (char)b).ToString())).ToArray();
            var scan = (int[])initial.Clone();
            var queue = (int[])initial.Clone();
            var n1 = model.MergeByScan(scan, scan.Length);
            var n2 = model.MergeByQueue(queue, queue.Length);
            scan.AsSpan(0, n1).ToArray().ShouldBe(queue.AsSpan(0, n2).ToArray());
        }
    }

    [Fact]
    public void A_long_run_of_one_character_encodes_quickly_and_round_trips()
    {
        var text = new string('a', 20000) + " " + new string(' ', 5000) + new string('7', 3000);
        var ids = TokenizerTestData.Qwen3.Encode(text);
        TokenizerTestData.Qwen3.Decode(ids).ShouldBe(text);
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_ids()
    {
        var texts = TokenizerTestData.Vectors.Select(v => v.Text).ToArray();
        var expected = texts.Select(t => TokenizerTestData.Qwen3.Encode(t)).ToArray();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < texts.Length; i++)
            {
                TokenizerTestData.Qwen3.Encode(texts[i]).ShouldBe(expected[i]);
            }
        });
    }
}
