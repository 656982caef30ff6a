using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>
/// Python's Jinja2 set up as transformers renders chat templates (jinja_oracle.py, Debian's python3-jinja2), run once
/// over a batch of cases: the independent implementation the C# renderer is checked against.
/// </summary>
internal static class JinjaOracle
{
    private const string Python = "/usr/bin/python3";

    public static string Script => Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Trainer.Tests", "Tokenizers", "Chat", "jinja_oracle.py");

    /// <summary>Renders each (template, variables as JSON) case; a result is the rendering, or null and the Python error.</summary>
    public static List<(string? Rendered, string? Error)> Render(IReadOnlyList<(string Template, JsonObject Variables)> cases, string now = "2026-07-26T09:05:03")
    {
        File.Exists(Python).ShouldBeTrue($"{Python} with python3-jinja2 is the oracle for this test; run `make deps`");
        var start = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        foreach (var (template, variables) in cases)
        {
            process.StandardInput.WriteLine(new JsonObject { ["template"] = template, ["variables"] = variables.DeepClone(), ["now"] = now }.ToJsonString());
        }

        process.StandardInput.Close();
        process.WaitForExit(120_000).ShouldBeTrue("jinja_oracle.py timed out");
        process.ExitCode.ShouldBe(0, stderr.Result);
        var results = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!.AsObject())
            .Select(o => (o["rendered"]?.GetValue<string>(), o["error"]?.GetValue<string>()))
            .ToList();
        results.Count.ShouldBe(cases.Count, stderr.Result);
        return results;
    }

    /// <summary>The variables transformers passes: the config's special tokens, messages, tools and documents (None), add_generation_prompt, then the extras.</summary>
    public static JsonObject Variables(IReadOnlyDictionary<string, object?> specialTokens, JsonArray messages, bool addGenerationPrompt, JsonObject extra)
    {
        var variables = new JsonObject();
        foreach (var (k, v) in specialTokens)
        {
            variables[k] = v switch
            {
                string s => JsonValue.Create(s),
                IEnumerable<object?> list => new JsonArray([.. list.Select(x => (JsonNode?)JsonValue.Create((string?)x))]),
                _ => null,
            };
        }

        variables["messages"] = messages.DeepClone();
        variables["tools"] = null;
        variables["documents"] = null;
        variables["add_generation_prompt"] = addGenerationPrompt;
        foreach (var (k, v) in extra)
        {
            variables[k] = v?.DeepClone();
        }

        return variables;
    }
}
