using System.Reflection;
using PostTrain.Benchmarks;

var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("usage: PostTrain.Benchmarks NAME [args...] | all");
    foreach (var b in benchmarks)
    {
        Console.WriteLine($"  {b.Name,-12} {b.Description}");
    }

    return benchmarks.Count == 0 ? 1 : 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var selected = args[0] == "all" ? benchmarks : benchmarks.Where(b => b.Name == args[0]).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"no benchmark named '{args[0]}'; try 'list'");
    return 2;
}

var rc = 0;
foreach (var b in selected)
{
    Console.WriteLine($"## {b.Name}: {b.Description}");
    rc |= await b.RunAsync(args[1..], cts.Token);
}

return rc;
