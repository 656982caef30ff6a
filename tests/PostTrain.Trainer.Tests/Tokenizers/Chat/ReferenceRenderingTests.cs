using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>Every reference rendering of ../shared/testdata/chat-templates/cases.jsonl, reproduced byte for byte.</summary>
public sealed class ReferenceRenderingTests
{
    [Fact]
    public void The_shared_data_holds_48_cases_over_the_four_templates()
    {
        ChatTemplateTestData.Cases.Count.ShouldBe(48);
        ChatTemplateTestData.Cases.Select(c => c.Template).Distinct().Order().ShouldBe(ChatTemplateTestData.TemplateNames.Order());
    }

    [Fact]
    public void Every_reference_case_renders_byte_for_byte()
    {
        var templates = ChatTemplateTestData.TemplateNames.ToDictionary(n => n, ChatTemplateTestData.Load);
        var mismatches = new List<string>();
        foreach (var c in ChatTemplateTestData.Cases)
        {
            string rendered;
            try
            {
                rendered = templates[c.Template].Render(c.Messages, c.AddGenerationPrompt, c.Extra);
            }
            catch (JinjaException e)
            {
                mismatches.Add($"{c}: failed: {e.Message}");
                continue;
            }

            if (RenderingDiff.Describe(c.Rendered, rendered) is { } diff)
            {
                mismatches.Add($"{c}: {diff}");
            }
        }

        mismatches.ShouldBeEmpty($"{ChatTemplateTestData.Cases.Count - mismatches.Count}/{ChatTemplateTestData.Cases.Count} reference renderings matched:\n{string.Join("\n", mismatches)}");
    }

    [Fact]
    public void A_mismatch_is_reported_with_the_offset_and_both_texts()
    {
        RenderingDiff.Describe("<|im_start|>user\nhi<|im_end|>\n", "<|im_start|>user\nhi<|im_end|>").ShouldBe(
            "first difference at offset 29 (line 2, column 13; lengths 30 expected, 29 actual)\n" +
            "  expected: …\"<|im_start|>user\\nhi<|im_end|>\" ▶ \"\\n\"\n" +
            "  actual:   …\"<|im_start|>user\\nhi<|im_end|>\" ▶ \"\"");
        RenderingDiff.Describe("same", "same").ShouldBeNull();
    }
}
