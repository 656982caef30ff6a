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

    /// <summary>Runs the command; returns the process exit code (2 for a dataset or command line to fix).</summary>
    public static async Task<int> ExecuteAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, new HashSet<string> { "skip-invalid" });
        if (a.Positional.Count > 0)
        {
            throw new UsageException($"dataset takes options only, not '{a.Positional[0]}'");
        }

        var (spec, seed) = await FromJobAsync(a.String("job"), a.String("name")).ConfigureAwait(false);
        spec.Source = a.String("source") ?? (spec.Source.Length > 0 ? spec.Source : throw new UsageException("dataset needs --source URI (or --job FILE)"));
        if (a.String("format") is { } format)
        {
            spec.Format = Formats.TryGetValue(format, out var parsed)
                ? parsed
                : throw new UsageException($"--format: '{format}' is not one of {string.Join(", ", Formats.Keys)}");
        }

        spec.Config = a.String("config") ?? spec.Config;
        spec.Split = a.String("split") ?? spec.Split;
        var limit = a.Int("limit", spec.MaxSamples ?? 0);
        if (limit < 0)
        {
            throw new UsageException($"--limit must be positive, got {limit}");
        }

        spec.MaxSamples = limit > 0 ? limit : null;
        seed = a.Int("seed", (int)Math.Min(seed, int.MaxValue));
        spec.SkipInvalid = a.Flag("skip-invalid") || spec.SkipInvalid;
        a.RejectUnknown();

        var options = SourceResolverOptions.FromEnvironment();
        using var hub = new HubClient(options.Hub);
        IReadOnlyList<Example> examples;
        try
        {
            examples = await new SourceLoading(new SourceResolver(options, hub))
                .LoadDatasetAsync(spec, seed, Console.Error.WriteLine, CancellationToken.None).ConfigureAwait(false);
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
                await writer.FlushAsync().ConfigureAwait(false);
                writer.Reset();
                stdout.WriteByte((byte)'\n');
            }
        }

        Console.Error.WriteLine($"[{examples.Count} record(s) of {spec.Source}]");
        return WorkerExitCodes.Succeeded;
    }

    /// <summary>The dataset spec and seed of the job in <paramref name="file"/> (the one named <paramref name="name"/>, or the only one), or empty ones.</summary>
    private static async Task<(DatasetSpec Spec, long Seed)> FromJobAsync(string? file, string? name)
    {
        if (file is null)
        {
            return name is null ? (new DatasetSpec(), 42) : throw new UsageException("--name picks a job of --job FILE");
        }

        var jobs = await JobManifestLoader.LoadFileAsync(file).ConfigureAwait(false);
        var chosen = name is null
            ? jobs.Count == 1 ? jobs[0] : throw new UsageException($"{file} holds {jobs.Count} jobs ({string.Join(", ", jobs.Select(j => j.DisplayName))}): pick one with --name")
            : jobs.FirstOrDefault(j => j.Metadata.Name == name) ?? throw new UsageException($"{file} holds no job named '{name}' ({string.Join(", ", jobs.Select(j => j.DisplayName))})");
        return (chosen.CommonSpec.Dataset, chosen.CommonSpec.Seed);
    }
}
