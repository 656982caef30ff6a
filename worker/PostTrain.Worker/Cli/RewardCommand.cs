using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Cli;

/// <summary>
/// <c>posttrain-worker reward --spec FILE</c>: scores completions read as JSON lines on stdin with the rewards of FILE
/// (an RlvrJob's <c>reward</c> list), through the same factory, sandbox and isolation as training, and prints one JSON
/// result per line. For debugging a reward, and for replaying attacks on the code sandbox from the command line.
/// </summary>
public static class RewardCommand
{
    /// <summary>The <c>reward</c> command.</summary>
    public static Command Create()
    {
        var spec = new Option<string>("--spec")
        {
            Description = "The rewards: an RlvrJob's reward list as in its spec (a top-level reward: key too), YAML or JSON.",
            HelpName = "FILE",
            Required = true,
        };
        var command = new Command(
            "reward",
            "Score completions as training does, code sandbox included: JSON lines {\"completion\": ..., \"answer\": ..., \"tests\": [...]} in, {\"score\", \"parts\", \"failed\", \"why\"} out.")
        {
            spec,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(parse.GetRequiredValue(spec), cancellationToken));
        return command;
    }

    /// <summary>Scores stdin's completions with the rewards of <paramref name="specPath"/>; returns the process exit code.</summary>
    public static async Task<int> ExecuteAsync(string specPath, CancellationToken cancellationToken)
    {
        var rewards = RewardSpecFile.Load(specPath);
        using var http = new HttpClient();
        var factory = RewardMapping.Factory(http);
        var reward = RewardMapping.Create(rewards, factory, Console.Error.WriteLine);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        await CodeSandboxes.DescribeAsync(factory.CodeSandboxes, Console.Error.WriteLine, cts.Token).ConfigureAwait(false);
        var lineNumber = 0;
        while (await Console.In.ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            RewardInput input;
            try
            {
                input = Input(line, lineNumber);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                Console.Error.WriteLine($"stdin:{lineNumber}: {e.Message}");
                return WorkerExitCodes.InvalidInput;
            }

            var result = await reward.ScoreAsync(input, cts.Token).ConfigureAwait(false);
            Console.WriteLine(Result(result).ToJsonString());
        }

        return WorkerExitCodes.Succeeded;
    }

    /// <summary>One input line: <c>{"completion": ..., "answer": ..., "tests": [...], "prompt": ..., "setup": ...}</c>.</summary>
    private static RewardInput Input(string line, int lineNumber)
    {
        var node = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("expected a JSON object {\"completion\": ..., \"answer\": ..., \"tests\": [...]}");
        var known = new HashSet<string>(StringComparer.Ordinal) { "completion", "answer", "tests", "prompt", "setup" };
        if (node.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new JsonException($"unknown field '{unknown}' (known: {string.Join(", ", known)})");
        }

        var completion = node["completion"]?.GetValue<string>() ?? throw new JsonException("'completion' (a string) is required");
        var prompt = node["prompt"]?.GetValue<string>() ?? string.Empty;
        var tests = node["tests"] switch
        {
            null => null,
            JsonArray array => array.Select((t, i) => t?.GetValue<string>() ?? throw new JsonException($"tests[{i}] is not a string")).ToList(),
            _ => throw new JsonException("'tests' must be a list of strings (MBPP-style asserts)"),
        };
        var example = new Example
        {
            Id = "stdin:" + lineNumber.ToString(CultureInfo.InvariantCulture),
            Prompt = prompt,
            ReferenceAnswer = node["answer"] is { } answer ? AnswerText(answer) : null,
            Tests = tests,
            TestSetupCode = node["setup"]?.GetValue<string>(),
            Source = "stdin",
            SourceLine = lineNumber,
        };
        return new RewardInput(prompt, completion, example);
    }

    /// <summary>An answer given as a string or a number (<c>"answer": 42</c>) is the same reference answer.</summary>
    private static string AnswerText(JsonNode answer) => answer.GetValueKind() switch
    {
        JsonValueKind.String => answer.GetValue<string>(),
        JsonValueKind.Number => answer.ToJsonString(),
        _ => throw new JsonException("'answer' must be a string or a number"),
    };

    private static JsonObject Result(RewardResult result)
    {
        var json = new JsonObject { ["score"] = result.Score };
        if (result.Components is { } components)
        {
            json["parts"] = new JsonObject(components.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));
        }

        json["failed"] = result.Failed;
        json["why"] = result.Details;
        return json;
    }
}
