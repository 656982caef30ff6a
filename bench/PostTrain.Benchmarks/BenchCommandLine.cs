using System.CommandLine;

namespace PostTrain.Benchmarks;

/// <summary>
/// The bench program's command line, on System.CommandLine: a subcommand per <see cref="IBenchmark"/> with its own
/// options, <c>micro</c> (BenchmarkDotNet), <c>all</c> and <c>list</c>. A bad command line exits 2.
/// </summary>
internal static class BenchCommandLine
{
    /// <summary>The root command over <paramref name="benchmarks"/>.</summary>
    public static RootCommand Create(IReadOnlyList<IBenchmark> benchmarks)
    {
        var root = new RootCommand("PostTrain's benchmarks: end-to-end comparisons (C# against python3-torch, the operator at scale) and BenchmarkDotNet micro-benchmarks.");
        root.HelpName = "PostTrain.Benchmarks";
        foreach (var benchmark in benchmarks)
        {
            root.Subcommands.Add(Command(benchmark));
        }

        root.Subcommands.Add(MicroBenchmarks.Command());
        var list = new Command("list", "Name every benchmark.");
        list.SetAction(parse =>
        {
            foreach (var benchmark in benchmarks)
            {
                parse.InvocationConfiguration.Output.WriteLine($"  {benchmark.Name,-18} {benchmark.Description}");
            }

            parse.InvocationConfiguration.Output.WriteLine($"  {"micro",-18} {MicroBenchmarks.Description}");
        });
        root.Subcommands.Add(list);
        var all = new Command("all", "Run every benchmark with its defaults, then the micro-benchmarks with a short job (make bench).");
        all.SetAction(async (_, cancellationToken) =>
        {
            var rc = 0;
            foreach (var benchmark in benchmarks)
            {
                // Each benchmark reads its defaults from a parse of its own command with no arguments.
                rc |= await RunAsync(benchmark, Command(benchmark).Parse([]), cancellationToken).ConfigureAwait(false);
            }

            Console.WriteLine($"## micro: {MicroBenchmarks.Description} (short job)");
            return rc | MicroBenchmarks.Run([], shortRun: true);
        });
        root.Subcommands.Add(all);
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs what they name; returns the process exit code.</summary>
    public static async Task<int> InvokeAsync(IReadOnlyList<IBenchmark> benchmarks, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var parse = Create(benchmarks).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"PostTrain.Benchmarks: {error.Message}").ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync("Run 'PostTrain.Benchmarks --help' (or NAME --help) for usage.").ConfigureAwait(false);
            return 2;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken).ConfigureAwait(false);
    }

    private static Command Command(IBenchmark benchmark)
    {
        var command = new Command(benchmark.Name, benchmark.Description);
        benchmark.Configure(command);
        command.SetAction((parse, cancellationToken) => RunAsync(benchmark, parse, cancellationToken));
        return command;
    }

    private static Task<int> RunAsync(IBenchmark benchmark, ParseResult parse, CancellationToken cancellationToken)
    {
        Console.WriteLine($"## {benchmark.Name}: {benchmark.Description}");
        return benchmark.RunAsync(parse, cancellationToken);
    }
}
