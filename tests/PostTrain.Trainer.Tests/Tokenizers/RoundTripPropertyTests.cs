using FsCheck;
using FsCheck.Fluent;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Unicode;

namespace PostTrain.Trainer.Tests.Tokenizers;

/// <summary>decode(encode(x)) == x for arbitrary Unicode strings (== NFC(x) for Qwen3, whose normalizer is NFC).</summary>
public sealed class RoundTripPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void Gpt2_round_trips_arbitrary_unicode()
    {
        Check.One(Config, Prop.ForAll(UnicodeStrings.Any, text => TokenizerTestData.Gpt2.Decode(TokenizerTestData.Gpt2.Encode(text)) == text));
    }

    [Fact]
    public void Qwen3_round_trips_arbitrary_unicode_to_its_nfc_form()
    {
        Check.One(Config, Prop.ForAll(UnicodeStrings.Any, text => TokenizerTestData.Qwen3.Decode(TokenizerTestData.Qwen3.Encode(text)) == NfcNormalizer.Normalize(text)));
    }

    [Fact]
    public void Builtin_arithmetic_round_trips_arbitrary_unicode()
    {
        var tokenizer = BuiltinTokenizers.Arithmetic;
        Check.One(Config, Prop.ForAll(UnicodeStrings.Any, text => tokenizer.Decode(tokenizer.Encode(text)) == text));
    }

    [Fact]
    public void Builtin_arithmetic_round_trips_arbitrary_strings_without_special_tokens_in_them()
    {
        // FsCheck's own string generator (any chars; lone surrogates excluded since UTF-8 cannot carry them).
        var tokenizer = BuiltinTokenizers.Arithmetic;
        Check.One(Config, Prop.ForAll(ArbMap.Default.ArbFor<string>().Filter(s => s is not null && !HasLoneSurrogate(s)), (string text) => tokenizer.Decode(tokenizer.Encode(text)) == text));
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }
}
