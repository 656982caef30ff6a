using System.Reflection;
using PostTrain.Benchmarks;

// The bench program: one subcommand per end-to-end benchmark (IBenchmark, found by reflection), `micro` for the
// BenchmarkDotNet micro-benchmarks, `all` for everything (`make bench`), `list` to name them.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
return await BenchCommandLine.InvokeAsync(benchmarks, args, cts.Token);
