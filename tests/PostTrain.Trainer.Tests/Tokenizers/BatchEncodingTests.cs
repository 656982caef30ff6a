using PostTrain.Trainer.Tokenizers;

namespace PostTrain.Trainer.Tests.Tokenizers;

public sealed class BatchEncodingTests
{
    private static readonly string[] Texts = ["Hello world!", "a", "The quick brown fox jumps over the lazy dog."];

    [Fact]
    public void Right_padding_puts_pad_ids_after_the_tokens()
    {
        var qwen = TokenizerTestData.Qwen3;
        var batch = qwen.EncodeBatch(Texts);
        batch.BatchSize.ShouldBe(3);
        batch.SequenceLength.ShouldBe(10);
        batch.Row(0).ToArray().ShouldBe([9707, 1879, 0, 151643, 151643, 151643, 151643, 151643, 151643, 151643]);
        batch.MaskRow(0).ToArray().ShouldBe([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
        batch.Row(2).ToArray().ShouldBe(qwen.Encode(Texts[2]));
        batch.Lengths.ShouldBe([3, 1, 10]);
        batch.InputIds.Length.ShouldBe(30);
    }

    [Fact]
    public void Left_padding_puts_pad_ids_before_the_tokens()
    {
        var batch = TokenizerTestData.Qwen3.EncodeBatch(Texts, new BatchEncodingOptions { PaddingSide = PaddingSide.Left });
        batch.Row(0).ToArray().ShouldBe([151643, 151643, 151643, 151643, 151643, 151643, 151643, 9707, 1879, 0]);
        batch.MaskRow(1).ToArray().ShouldBe([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    }

    [Fact]
    public void Truncation_and_rounding_up()
    {
        var batch = TokenizerTestData.Qwen3.EncodeBatch(Texts, new BatchEncodingOptions { MaxLength = 2, PadToMultipleOf = 4, PadId = -1 });
        batch.SequenceLength.ShouldBe(4);
        batch.Row(0).ToArray().ShouldBe([9707, 1879, -1, -1]);
        var left = TokenizerTestData.Qwen3.EncodeBatch(Texts, new BatchEncodingOptions { MaxLength = 2, TruncationSide = PaddingSide.Left });
        left.Row(0).ToArray().ShouldBe([1879, 0]);
    }

    [Fact]
    public void Gpt2_pads_with_its_end_of_text_token()
    {
        var batch = TokenizerTestData.Gpt2.EncodeBatch(["Hello", "Hello world!"]);
        batch.Row(0).ToArray().ShouldBe([15496, 50256, 50256]);
    }

    [Fact]
    public void Empty_batch_is_empty()
    {
        var batch = TokenizerTestData.Gpt2.EncodeBatch([]);
        batch.BatchSize.ShouldBe(0);
        batch.SequenceLength.ShouldBe(0);
    }
}
