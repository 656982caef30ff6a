using PostTrain.Api.Model;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sources;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Cli;

/// <summary>
/// <c>posttrain-worker merge-adapter</c>: folds a PEFT LoRA adapter into its base model's weights and saves a plain
/// Hugging Face checkpoint (config, safetensors, tokenizer; no adapter files), which any loader reads without PEFT.
/// The model and adapter are loaded as a job loads them (<see cref="SourceLoading"/>): <c>--model</c> is the base, a
/// LoRA job's checkpoint, or an adapter-only folder whose <c>base_model_name_or_path</c> names the base; <c>--adapter</c>
/// adds an adapter-only folder onto <c>--model</c>. Weights are merged in float32 and saved in the base's
/// <c>torch_dtype</c>.
/// </summary>
public static class MergeAdapterCommand
{
    /// <summary>Runs the command; returns the process exit code (2 for input to fix).</summary>
    public static async Task<int> ExecuteAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, new HashSet<string>());
        if (a.Positional.Count > 0)
        {
            throw new UsageException($"merge-adapter takes options only, not '{a.Positional[0]}'");
        }

        var model = a.Required("model");
        var adapter = a.String("adapter");
        var outputText = a.Required("output");
        a.RejectUnknown();

        var options = SourceResolverOptions.FromEnvironment();
        using var hub = new HubClient(options.Hub);
        var resolver = new SourceResolver(options, hub);
        string output;
        try
        {
            var uri = SourceUri.Parse(outputText);
            output = uri.Kind is SourceKind.File or SourceKind.Pvc
                ? resolver.LocalPath(uri)
                : throw new UsageException($"--output must be a path, file:// or pvc:// URI, not '{outputText}'");
        }
        catch (FormatException e)
        {
            throw new UsageException($"--output: {e.Message}");
        }

        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            throw new JobInputException($"--output {output} is not empty; merge-adapter writes a new folder and replaces nothing");
        }

        using var loaded = await new SourceLoading(resolver).LoadModelAsync(model, ModelDtype.Float32, 0, CancellationToken.None, adapter).ConfigureAwait(false);
        if (loaded.MergedAdapters.Count == 0)
        {
            throw new JobInputException($"{model} holds no PEFT adapter ({Lora.ConfigFile}) to merge; name one with --adapter");
        }

        HfCheckpoint.Save(loaded.Model, output, loaded.SaveTokenizer);
        Console.Error.WriteLine($"[merged {string.Join(" and ", loaded.MergedAdapters)} into {model}'s base: a plain checkpoint in {output}]");
        return WorkerExitCodes.Succeeded;
    }
}
