using System.CommandLine;
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
    /// <summary>The <c>merge-adapter</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "A LoRA job's checkpoint, an adapter-only folder (its base_model_name_or_path names the base) or, with --adapter, the base.",
            HelpName = "SRC",
            Required = true,
        };
        var adapter = new Option<string?>("--adapter") { Description = "An adapter-only folder to fold into --model.", HelpName = "URI" };
        var output = new Option<string>("--output")
        {
            Description = "Where the plain Hugging Face checkpoint goes: a new or empty folder (a path, file:// or pvc:// URI).",
            HelpName = "DIR",
            Required = true,
        };
        var command = new Command("merge-adapter", "Fold a PEFT LoRA adapter into its base and save a plain Hugging Face checkpoint.") { model, adapter, output };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(parse.GetRequiredValue(model), parse.GetValue(adapter), parse.GetRequiredValue(output), cancellationToken));
        return command;
    }

    /// <summary>Merges <paramref name="adapter"/> (or the adapter in <paramref name="model"/>) into a checkpoint at <paramref name="outputText"/>; returns the process exit code (2 for input to fix).</summary>
    public static async Task<int> ExecuteAsync(string model, string? adapter, string outputText, CancellationToken cancellationToken)
    {

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

        using var loaded = await new SourceLoading(resolver).LoadModelAsync(model, ModelDtype.Float32, 0, cancellationToken, adapter).ConfigureAwait(false);
        if (loaded.MergedAdapters.Count == 0)
        {
            throw new JobInputException($"{model} holds no PEFT adapter ({Lora.ConfigFile}) to merge; name one with --adapter");
        }

        HfCheckpoint.Save(loaded.Model, output, loaded.SaveTokenizer);
        Console.Error.WriteLine($"[merged {string.Join(" and ", loaded.MergedAdapters)} into {model}'s base: a plain checkpoint in {output}]");
        return WorkerExitCodes.Succeeded;
    }
}
