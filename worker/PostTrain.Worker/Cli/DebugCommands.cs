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
    /// <summary>One JSON string per input line in, one JSON array of ids per line out.</summary>
    public static async Task<int> TokenizeAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, new HashSet<string>());
        var path = a.Required("tokenizer");
        a.RejectUnknown();
        ITokenizer tokenizer = path == BuiltinTokenizers.ArithmeticUri ? BuiltinTokenizers.Arithmetic : TokenizerLoader.FromFile(path);
        var lineNumber = 0;
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
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
    public static async Task<int> GenerateAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, new HashSet<string> { "raw" });
        var source = a.Required("model");
        var prompt = a.Required("prompt");
        var options = new SamplingOptions
        {
            MaxNewTokens = a.Int("max-new-tokens", 64),
            Temperature = a.Double("temperature", 0),
            TopK = a.Int("top-k", 0),
            TopP = a.Double("top-p", 1.0),
            Seed = (ulong)a.Int("seed", 0),
        };
        var raw = a.Flag("raw");
        a.RejectUnknown();
        using var loaded = await LoadAsync(source).ConfigureAwait(false);
        Console.Error.WriteLine(raw ? "[no chat template: --raw]" : $"[chat template: {loaded.Template.Description}]");
        var ids = raw ? loaded.Tokenizer.Encode(prompt) : loaded.Template.EncodeGenerationPrompt(loaded.Tokenizer, [ChatMessage.User(prompt)]);
        var result = new TextGenerator(loaded.Model, loaded.PadTokenId, t => loaded.Tokenizer.Decode([.. t], skipSpecialTokens: true))
            .Generate([ids], options with { EosTokenIds = loaded.EosTokenIds })[0];
        Console.WriteLine(result.Text);
        Console.Error.WriteLine($"[{result.Tokens.Length} tokens, finish: {result.Reason.ToString().ToLowerInvariant()}, mean log-prob {(result.LogProbs.Length > 0 ? result.LogProbs.Average() : 0):F3}]");
        return WorkerExitCodes.Succeeded;
    }

    /// <summary>Per-token log-probabilities of each input line's text or ids.</summary>
    public static async Task<int> ScoreAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, new HashSet<string>());
        var source = a.Required("model");
        a.RejectUnknown();
        using var loaded = await LoadAsync(source).ConfigureAwait(false);
        var lineNumber = 0;
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
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
    private static async Task<LoadedModel> LoadAsync(string source)
    {
        var options = SourceResolverOptions.FromEnvironment();
        using var hub = new HubClient(options.Hub);
        var device = Running.DeviceSelection.Choose(Environment.GetEnvironmentVariable(Running.DeviceSelection.EnvironmentVariable), 0);
        var loaded = await new SourceLoading(new SourceResolver(options, hub)).LoadModelAsync(source, ModelDtype.Auto, 0, CancellationToken.None).ConfigureAwait(false);
        loaded.Model.To(device);
        return loaded;
    }
}
