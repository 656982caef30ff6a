using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;
using Xunit.Abstractions;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>
/// The four real templates render seeded random conversations (<see cref="ConversationGenerator"/>) exactly as Python's
/// Jinja2 does, set up as transformers renders chat templates (<see cref="JinjaOracle"/>): the same text byte for byte,
/// or a failure where Jinja2 fails.
/// </summary>
public sealed class OracleConversationTests(ITestOutputHelper output)
{
    private const int ConversationsPerTemplate = 60;

    [Fact]
    public void Random_conversations_render_as_jinja2_renders_them()
    {
        var cases = new List<(string Template, JsonArray Messages, bool Prompt, JsonObject Extra)>();
        var generator = new ConversationGenerator(seed: 21);
        foreach (var name in ChatTemplateTestData.TemplateNames)
        {
            for (var i = 0; i < ConversationsPerTemplate; i++)
            {
                var (messages, prompt, extra) = generator.Next(name);
                cases.Add((name, messages, prompt, extra));
            }
        }

        var raw = ChatTemplateTestData.TemplateNames.ToDictionary(n => n, ChatTemplateTestData.Raw);
        var expected = JinjaOracle.Render([.. cases.Select(c => (raw[c.Template].Source, JinjaOracle.Variables(raw[c.Template].SpecialTokens, c.Messages, c.Prompt, c.Extra)))]);
        var templates = ChatTemplateTestData.TemplateNames.ToDictionary(n => n, ChatTemplateTestData.Load);

        var mismatches = new List<string>();
        var rendered = new Dictionary<string, int>();
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var where = $"{c.Template} #{i}: {c.Messages.ToJsonString()} add_generation_prompt={c.Prompt} extra={c.Extra.ToJsonString()}";
            string? actual = null;
            string? error = null;
            try
            {
                var extra = c.Extra.ToDictionary(p => p.Key, p => JinjaValues.FromJson(p.Value));
                actual = templates[c.Template].Render((List<object?>)JinjaValues.FromJson(c.Messages)!, c.Prompt, extra);
            }
            catch (JinjaException e)
            {
                error = e.Message;
            }

            if (expected[i].Rendered is { } want)
            {
                rendered[c.Template] = rendered.GetValueOrDefault(c.Template) + 1;
                if (error is not null)
                {
                    mismatches.Add($"{where}\n  Jinja2 renders it, this renderer fails: {error}");
                }
                else if (RenderingDiff.Describe(want, actual!) is { } diff)
                {
                    mismatches.Add($"{where}\n  {diff}");
                }
            }
            else if (error is null)
            {
                mismatches.Add($"{where}\n  Jinja2 fails ({expected[i].Error}), this renderer renders {actual}");
            }
        }

        mismatches.ShouldBeEmpty($"{mismatches.Count} of {cases.Count} conversations differ from Jinja2:\n{string.Join("\n", mismatches)}");
        foreach (var name in ChatTemplateTestData.TemplateNames)
        {
            output.WriteLine($"{name}: {rendered.GetValueOrDefault(name)} of {ConversationsPerTemplate} rendered identically, the rest refused by both");
            // Most conversations are ones the template accepts: the comparison is of renderings, not of refusals.
            rendered.GetValueOrDefault(name).ShouldBeGreaterThan(ConversationsPerTemplate * 3 / 4, name);
        }
    }
}
