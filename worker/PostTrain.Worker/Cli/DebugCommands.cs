using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Sources;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Worker.Running;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Worker.Cli;

/// <summary><c>tokenize</c>, <c>generate</c> and <c>score</c>: small tools for looking inside a checkpoint.</summary>
public static class DebugCommands
{
    /// <summary>The <c>tokenize</c> command.</summary>
    public static Command CreateTokenize()
    {
        var tokenizer = new Option<string>("--tokenizer")
        {
            Description = "A tokenizer.json (or " + BuiltinTokenizers.ArithmeticUri + ").",
            HelpName = "PATH",
            Required = true,
        };
        var command = new Command("tokenize", "One JSON string per stdin line in, one JSON array of ids per line out.") { tokenizer };
        command.SetAction((parse, cancellationToken) => TokenizeAsync(parse.GetRequiredValue(tokenizer), cancellationToken));
        return command;
    }

    /// <summary>The <c>generate</c> command.</summary>
    public static Command CreateGenerate()
    {
        var model = ModelOption();
        var prompt = new Option<string>("--prompt") { Description = "The user message to answer.", HelpName = "TEXT", Required = true };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most.", HelpName = "N", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 is greedy.", HelpName = "T" };
        var topK = new Option<int>("--top-k") { Description = "Sample from the K likeliest tokens; 0 for all.", HelpName = "K" };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling: the smallest set of tokens whose probability reaches P.", HelpName = "P", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<ulong>("--seed") { Description = "The sampling seed.", HelpName = "S" };
        var raw = new Option<bool>("--raw") { Description = "Encode the prompt as it is, without the chat template." };
        var command = new Command("generate", "Generate an answer to one prompt with a model and print the text.")
        {
            model, prompt, maxNewTokens, temperature, topK, topP, seed, raw,
        };
        command.SetAction((parse, cancellationToken) => GenerateAsync(
            parse.GetRequiredValue(model),
            parse.GetRequiredValue(prompt),
            new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxNewTokens),
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
            },
            parse.GetValue(raw),
            cancellationToken));
        return command;
    }

    /// <summary>The <c>score</c> command.</summary>
    public static Command CreateScore()
    {
        var model = ModelOption();
        var command = new Command("score", "JSON lines {\"text\": ...} or {\"ids\": [...]} in, per-token log-probabilities out.") { model };
        command.SetAction((parse, cancellationToken) => ScoreAsync(parse.GetRequiredValue(model), cancellationToken));
        return command;
    }

    private static Option<string> ModelOption() => new("--model")
    {
        Description = "The model: a builtin://, hf://, pvc:// or file:// URI or a local checkpoint folder.",
        HelpName = "SRC",
        Required = true,
    };

    /// <summary>One JSON string per input line in, one JSON array of ids per line out.</summary>
    public static async Task<int> TokenizeAsync(string path, CancellationToken cancellationToken)
    {
        ITokenizer tokenizer = path == BuiltinTokenizers.ArithmeticUri ? BuiltinTokenizers.Arithmetic : TokenizerLoader.FromFile(path);
        var lineNumber = 0;
        while (await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            string text;
            try
            {
                text = JsonSerializer.Deserialize<string>(line) ?? throw new JsonException("null");
            }
            catch (JsonException e)
            {
                Console.Error.WriteLine($"stdin:{lineNumber}: expected a JSON string ({e.Message})");
                return WorkerExitCodes.InvalidInput;
            }

            Console.WriteLine(new JsonArray([.. tokenizer.Encode(text).Select(id => (JsonNode)id)]).ToJsonString());
        }

        return WorkerExitCodes.Succeeded;
    }

    /// <summary>Generates from one prompt and prints the text.</summary>
    public static async Task<int> GenerateAsync(string source, string prompt, SamplingOptions options, bool raw, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var loaded = await LoadAsync(source, cancellationToken).ConfigureAwait(false);
        Console.Error.WriteLine(raw ? "[no chat template: --raw]" : $"[chat template: {loaded.Template.Description}]");
        var ids = raw ? loaded.Tokenizer.Encode(prompt) : loaded.Template.EncodeGenerationPrompt(loaded.Tokenizer, [ChatMessage.User(prompt)]);
        var result = new TextGenerator(loaded.Model, loaded.PadTokenId, t => loaded.Tokenizer.Decode([.. t], skipSpecialTokens: true))
            .Generate([ids], options with { EosTokenIds = loaded.EosTokenIds })[0];
        Console.WriteLine(result.Text);
        Console.Error.WriteLine($"[{result.Tokens.Length} tokens, finish: {result.Reason.ToString().ToLowerInvariant()}, mean log-prob {(result.LogProbs.Length > 0 ? result.LogProbs.Average() : 0):F3}]");
        return WorkerExitCodes.Succeeded;
    }

    /// <summary>Per-token log-probabilities of each input line's text or ids.</summary>
    public static async Task<int> ScoreAsync(string source, CancellationToken cancellationToken)
    {
        using var loaded = await LoadAsync(source, cancellationToken).ConfigureAwait(false);
        var lineNumber = 0;
        while (await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            int[] ids;
            try
            {
                var node = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("expected an object");
                ids = node["ids"] is JsonArray array ? [.. array.Select(n => n!.GetValue<int>())]
                    : node["text"] is JsonValue text ? loaded.Tokenizer.Encode(text.GetValue<string>())
                    : throw new JsonException("expected {\"text\": ...} or {\"ids\": [...]}");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                Console.Error.WriteLine($"stdin:{lineNumber}: {e.Message}");
                return WorkerExitCodes.InvalidInput;
            }

            var output = new JsonObject { ["ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) };
            var logProbs = new JsonArray { null };
            if (ids.Length > 1)
            {
                using var scope = TorchScope.NewDisposeScope();
                using var noGrad = TorchOps.NoGrad();
                var tensor = TorchOps.FromArray(ids.Select(i => (long)i).ToArray(), loaded.Model.OutputWeight.Device, 1, ids.Length);
                foreach (var lp in SequenceScorer.TokenLogProbs(loaded.Model, tensor).ToArray<float>())
                {
                    logProbs.Add(Math.Round(lp, 6));
                }
            }

            output["logprobs"] = logProbs;
            Console.WriteLine(output.ToJsonString());
        }

        return WorkerExitCodes.Succeeded;
    }

    /// <summary>The model, on the device <c>run</c> would use ($POSTTRAIN_DEVICE, a GPU when there is one).</summary>
    private static async Task<LoadedModel> LoadAsync(string source, CancellationToken cancellationToken)
    {
        var options = SourceResolverOptions.FromEnvironment();
        using var hub = new HubClient(options.Hub);
        var device = Running.DeviceSelection.Choose(Environment.GetEnvironmentVariable(Running.DeviceSelection.EnvironmentVariable), 0);
        var loaded = await new SourceLoading(new SourceResolver(options, hub)).LoadModelAsync(source, ModelDtype.Auto, 0, cancellationToken).ConfigureAwait(false);
        loaded.Model.To(device);
        return loaded;
    }
}
