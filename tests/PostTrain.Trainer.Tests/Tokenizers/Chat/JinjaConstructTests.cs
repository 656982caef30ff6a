using System.Globalization;
using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>
/// jinja_constructs.jsonl: one template per construct of the supported subset (literals, operators, statements, loop
/// variables, macros, namespace, string/dict/list methods, filters, tests, tojson, whitespace control, errors), each
/// annotated with what Python's Jinja2 renders or raises (jinja_oracle.py --annotate).
/// </summary>
public sealed class JinjaConstructTests
{
    private static readonly Lazy<List<JsonObject>> Constructs = new(() => File.ReadLines(Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Trainer.Tests", "Tokenizers", "Chat", "jinja_constructs.jsonl"))
        .Where(l => l.Trim().Length > 0)
        .Select(l => JsonNode.Parse(l)!.AsObject())
        .ToList());

    [Fact]
    public void Every_construct_renders_or_fails_as_jinja2_does()
    {
        Constructs.Value.Count.ShouldBeGreaterThanOrEqualTo(60);
        var mismatches = new List<string>();
        foreach (var c in Constructs.Value)
        {
            var name = c["name"]!.GetValue<string>();
            var expected = c["expected"]!.AsObject();
            var (rendered, error) = RenderCSharp(c);
            if (expected["rendered"] is { } want)
            {
                if (error is not null)
                {
                    mismatches.Add($"{name}: Jinja2 renders it, this renderer fails: {error}");
                }
                else if (RenderingDiff.Describe(want.GetValue<string>(), rendered!) is { } diff)
                {
                    mismatches.Add($"{name}: {diff}");
                }
            }
            else
            {
                // Jinja2's error is "Type: message"; the renderer fails too, with the same message after its position and construct.
                var pythonMessage = expected["error"]!.GetValue<string>().Split(": ", 2)[1];
                if (error is null)
                {
                    mismatches.Add($"{name}: Jinja2 fails ({pythonMessage}), this renderer renders {rendered}");
                }
                else if (!error.Contains(pythonMessage, StringComparison.Ordinal))
                {
                    mismatches.Add($"{name}: Jinja2 fails with '{pythonMessage}', this renderer with '{error}'");
                }
            }
        }

        mismatches.ShouldBeEmpty(string.Join("\n", mismatches));
    }

    [Fact]
    public void The_annotations_are_what_jinja2_renders_today()
    {
        var cases = Constructs.Value.Select(c => (c["template"]!.GetValue<string>(), c["variables"]!.AsObject())).ToList();
        var results = JinjaOracle.Render(cases);
        for (var i = 0; i < cases.Count; i++)
        {
            var expected = Constructs.Value[i]["expected"]!.AsObject();
            var name = Constructs.Value[i]["name"]!.GetValue<string>();
            results[i].Rendered.ShouldBe(expected["rendered"]?.GetValue<string>(), name);
            results[i].Error.ShouldBe(expected["error"]?.GetValue<string>(), name);
        }
    }

    /// <summary>The rendering, or null and the renderer's error message.</summary>
    private static (string? Rendered, string? Error) RenderCSharp(JsonObject c)
    {
        var now = DateTime.Parse(c["now"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        var variables = c["variables"]!.AsObject().ToDictionary(p => p.Key, p => JinjaValues.FromJson(p.Value));
        try
        {
            return (JinjaTemplate.Parse(c["template"]!.GetValue<string>()).Render(variables, new FixedClock(new DateTimeOffset(now, TimeSpan.Zero))), null);
        }
        catch (JinjaException e)
        {
            return (null, e.Message);
        }
    }
}
