using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using PostTrain.Api.Loading;
using PostTrain.Api.Model;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Sources;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Cli;

/// <summary>
/// <c>posttrain-worker dataset</c>: prints a dataset's records as a job would train on them, one JSON object a line
/// (<see cref="ExampleRecordWriter"/>), through the same loader, resolver and options as <c>run</c>
/// (<see cref="DatasetLoading"/>), so a dataset can be checked before a GPU is spent on it.
/// </summary>
public static class DatasetCommand
{
    private static readonly Dictionary<string, Api.Model.DatasetFormat> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["messages"] = Api.Model.DatasetFormat.Messages,
        ["promptCompletion"] = Api.Model.DatasetFormat.PromptCompletion,
        ["gsm8k"] = Api.Model.DatasetFormat.Gsm8k,
        ["mbpp"] = Api.Model.DatasetFormat.Mbpp,
        ["parquet"] = Api.Model.DatasetFormat.Parquet,
    };

    /// <summary>The <c>dataset</c> command.</summary>
    public static Command Create()
    {
        var source = new Option<string?>("--source") { Description = "The dataset: a builtin://, hf://, pvc:// or file:// URI or a local path.", HelpName = "URI" };
        var format = new Option<string?>("--format") { Description = "messages, promptCompletion, gsm8k, mbpp or parquet (default: messages).", HelpName = "F" };
        format.CompletionSources.Add([.. Formats.Keys]);
        format.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !Formats.ContainsKey(value))
            {
                result.AddError($"--format: '{value}' is not one of {string.Join(", ", Formats.Keys)}");
            }
        });
        var config = new Option<string?>("--config") { Description = "The dataset's configuration (a Hugging Face dataset's subset).", HelpName = "C" };
        var split = new Option<string?>("--split") { Description = "The split (default: train).", HelpName = "S" };
        var limit = new Option<int?>("--limit") { Description = "maxSamples: a sample of N records drawn by --seed; 0 for all.", HelpName = "N" };
        var seed = new Option<int?>("--seed") { Description = "The seed of the --limit sample (default: the job's, else 42).", HelpName = "S" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Skip bad records rather than stop at the first (exit 2 naming file:line and the field)." };
        var job = new Option<string?>("--job") { Description = "Take the dataset, fields and seed of a job in FILE; the other options override them.", HelpName = "FILE" };
        var name = new Option<string?>("--name") { Description = "The job of --job FILE to take, when it holds several.", HelpName = "JOB" };
        var command = new Command("dataset", "Print the records a job would train on, one JSON object a line, through the same loader as run.")
        {
            source, format, config, split, limit, seed, skipInvalid, job, name,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            new DatasetSelection
            {
                Source = parse.GetValue(source),
                Format = parse.GetValue(format) is { } f ? Formats[f] : null,
                Config = parse.GetValue(config),
                Split = parse.GetValue(split),
                Limit = parse.GetValue(limit),
                Seed = parse.GetValue(seed),
                SkipInvalid = parse.GetValue(skipInvalid),
                Job = parse.GetValue(job),
                Name = parse.GetValue(name),
            },
            cancellationToken));
        return command;
    }

    /// <summary>Prints the records <paramref name="selection"/> names; returns the process exit code (2 for a dataset or command line to fix).</summary>
    public static async Task<int> ExecuteAsync(DatasetSelection selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var (spec, seed) = await FromJobAsync(selection.Job, selection.Name, cancellationToken).ConfigureAwait(false);
        spec.Source = selection.Source ?? (spec.Source.Length > 0 ? spec.Source : throw new UsageException("dataset needs --source URI (or --job FILE)"));
        spec.Format = selection.Format ?? spec.Format;
        spec.Config = selection.Config ?? spec.Config;
        spec.Split = selection.Split ?? spec.Split;
        var limit = selection.Limit ?? spec.MaxSamples ?? 0;
        if (limit < 0)
        {
            throw new UsageException($"--limit must be positive, got {limit}");
        }

        spec.MaxSamples = limit > 0 ? limit : null;
        seed = selection.Seed ?? (int)Math.Min(seed, int.MaxValue);
        spec.SkipInvalid = selection.SkipInvalid || spec.SkipInvalid;

        var options = SourceResolverOptions.FromEnvironment();
        using var hub = new HubClient(options.Hub);
        IReadOnlyList<Example> examples;
        try
        {
            examples = await new SourceLoading(new SourceResolver(options, hub))
                .LoadDatasetAsync(spec, seed, Console.Error.WriteLine, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            throw new JobInputException($"--source: {e.Message}");
        }
        catch (ArgumentException e) when (spec.Source.StartsWith("builtin://", StringComparison.Ordinal))
        {
            throw new JobInputException(e.Message);
        }

        var fields = DatasetLoading.FieldsOf(spec);
        await using var stdout = Console.OpenStandardOutput();
        await using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            foreach (var example in examples)
            {
                ExampleRecordWriter.Write(writer, example, fields);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                writer.Reset();
                stdout.WriteByte((byte)'\n');
            }
        }

        Console.Error.WriteLine($"[{examples.Count} record(s) of {spec.Source}]");
        return WorkerExitCodes.Succeeded;
    }

    /// <summary>The dataset spec and seed of the job in <paramref name="file"/> (the one named <paramref name="name"/>, or the only one), or empty ones.</summary>
    private static async Task<(DatasetSpec Spec, long Seed)> FromJobAsync(string? file, string? name, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return name is null ? (new DatasetSpec(), 42) : throw new UsageException("--name picks a job of --job FILE");
        }

        var jobs = await JobManifestLoader.LoadFileAsync(file, cancellationToken).ConfigureAwait(false);
        var chosen = name is null
            ? jobs.Count == 1 ? jobs[0] : throw new UsageException($"{file} holds {jobs.Count} jobs ({string.Join(", ", jobs.Select(j => j.DisplayName))}): pick one with --name")
            : jobs.FirstOrDefault(j => j.Metadata.Name == name) ?? throw new UsageException($"{file} holds no job named '{name}' ({string.Join(", ", jobs.Select(j => j.DisplayName))})");
        return (chosen.CommonSpec.Dataset, chosen.CommonSpec.Seed);
    }
}
